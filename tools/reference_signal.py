"""A deterministic test signal, formula only (no random generator), shared by the build
script (which stores TensorFlow's outputs for it in ``reference_outputs.npz``) and
``tests/engine/test_cnn.py`` (which checks the shipped TFLite runtime against them)."""

import numpy as np

SECONDS = 9.0  # three 3-s patches


def reference_signal(sr: int = 16000) -> np.ndarray:
    """Mono float32: an A-minor chord, a 120 bpm kick, and a chaotic-phase hiss."""
    t = np.arange(int(SECONDS * sr), dtype=np.float64) / sr
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 261.63, 329.63)) / 3
    beat_t = np.mod(t, 0.5)
    kick = np.sin(2 * np.pi * 55 * beat_t) * np.exp(-beat_t * 14)
    hiss = np.sin(2 * np.pi * 3000 * t * (1 + 40 * t)) * (np.mod(t, 0.25) < 0.03)
    return (0.3 * chord + 0.5 * kick + 0.1 * hiss).astype(np.float32)
