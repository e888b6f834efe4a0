"""Rebuild musicnn's MSD tagger from its checkpoint and convert it to TFLite.

Run in the throwaway build venv (never a runtime dependency of Soundalike)::

    python3.11 -m venv tools/.build-venv
    tools/.build-venv/bin/pip install "tensorflow-cpu==2.21.0" librosa soundfile
    (cd tools/.checkpoints && pip download --no-deps musicnn==0.1.0 \\
        && python3 -m zipfile -e musicnn-0.1.0-py3-none-any.whl x)
    tools/.build-venv/bin/python tools/build_tflite.py [--audio FILE ...]

The graph is written here from raw TF ops (no ``tf.compat.v1.layers``, so no legacy
Keras is needed); variable names follow the checkpoint written by musicnn's training
(``conv2d_N``, ``batch_normalization_N``, ``dense_N``) so ``Saver`` restores it as is.
Architecture: Pons & Serra, "musicnn: pre-trained convolutional neural networks for
music audio tagging", ISMIR 2019 LBD; the MSD_musicnn variant (front end of timbral and
temporal convolutions, 3-layer dense mid end with 64 filters, global max+mean pooling,
a 200-unit dense penultimate layer, 50 sigmoid outputs).

Outputs: ``models/musicnn_msd.tflite`` (float16 weights; outputs ``tags`` [n, 50] and
``embedding`` [n, 200]; with ``--pooled`` also ``pooled`` [n, 1506], for
benchmarks/pooled_features_experiment.py — the app does not use it), and next to it
``labels.txt``, ``model.json`` and ``reference_outputs.npz``; prints the TF↔TFLite max
difference on real audio.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import librosa
import numpy as np
import tensorflow as tf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
CHECKPOINT = HERE / ".checkpoints" / "x" / "musicnn" / "MSD_musicnn"
OUT = HERE.parent / "models" / "musicnn_msd.tflite"
N_FRAMES, N_MELS = 187, 96
BN_EPS = 1e-3  # tf.compat.v1.layers.batch_normalization's default epsilon

# Tag order of the MSD model's output layer (musicnn configuration.MSD_LABELS).
MSD_TAGS = [
    "rock", "pop", "alternative", "indie", "electronic", "female vocalists", "dance",
    "00s", "alternative rock", "jazz", "beautiful", "metal", "chillout", "male vocalists",
    "classic rock", "soul", "indie rock", "Mellow", "electronica", "80s", "folk", "90s",
    "chill", "instrumental", "punk", "oldies", "blues", "hard rock", "ambient", "acoustic",
    "experimental", "female vocalist", "guitar", "Hip-Hop", "70s", "party", "country",
    "easy listening", "sexy", "catchy", "funk", "electro", "heavy metal",
    "Progressive rock", "60s", "rnb", "indie pop", "sad", "House", "happy",
]  # fmt: skip


class Graph:
    """Creates variables with the checkpoint's auto-generated layer names."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def _scope(self, kind: str) -> str:
        n = self.counts.get(kind, 0)
        self.counts[kind] = n + 1
        return kind if n == 0 else f"{kind}_{n}"

    def batch_norm(self, x: tf.Tensor) -> tf.Tensor:
        """Inference-mode batch normalisation over the last axis (moving statistics)."""
        c = int(x.shape[-1])
        with tf.compat.v1.variable_scope(self._scope("batch_normalization")):
            gamma = tf.compat.v1.get_variable("gamma", [c])
            beta = tf.compat.v1.get_variable("beta", [c])
            mean = tf.compat.v1.get_variable("moving_mean", [c])
            var = tf.compat.v1.get_variable("moving_variance", [c])
        scale = gamma * tf.math.rsqrt(var + BN_EPS)
        return x * scale + (beta - mean * scale)

    def conv(self, x: tf.Tensor, filters: int, kernel: tuple[int, int], padding: str):
        """2-D convolution + bias + ReLU (NHWC, stride 1)."""
        with tf.compat.v1.variable_scope(self._scope("conv2d")):
            w = tf.compat.v1.get_variable("kernel", [*kernel, int(x.shape[-1]), filters])
            b = tf.compat.v1.get_variable("bias", [filters])
        return tf.nn.relu(tf.nn.conv2d(x, w, strides=1, padding=padding) + b)

    def dense(self, x: tf.Tensor, units: int) -> tf.Tensor:
        with tf.compat.v1.variable_scope(self._scope("dense")):
            w = tf.compat.v1.get_variable("kernel", [int(x.shape[-1]), units])
            b = tf.compat.v1.get_variable("bias", [units])
        return tf.matmul(x, w) + b


def pad_time(x: tf.Tensor, k: int = 3) -> tf.Tensor:
    return tf.pad(x, [[0, 0], [k, k], [0, 0], [0, 0]])


def musicnn_msd(x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Build the inference graph; ``x`` is [batch, 187, 96] log-mel patches.

    Returns (tag probabilities [batch, 50], penultimate embedding [batch, 200], pooled
    mid-level features [batch, 1506]). The pooled features are the back end's input
    before its batch normalisation: for each of the 753 mid-level features (561 front
    end + 3 × 64 mid end) its max then its mean over the patch's 187 frames
    (``[max_0, mean_0, max_1, mean_1, …]``), musicnn's ``max_pool``/``mean_pool``.
    Layers are created in the order training created them, so names line up.
    """
    g = Graph()
    inp = g.batch_norm(tf.expand_dims(x, 3))  # [B, T, 96, 1]

    # Front end: timbral filters span 38 and 67 mel bands (0.4 / 0.7 of 96) over 7 frames,
    # temporal filters span 128 / 64 / 32 frames over one band; each is max-pooled over
    # the whole frequency axis, leaving one feature vector per frame.
    def block(y: tf.Tensor, filters: int, kernel: tuple[int, int], padding: str) -> tf.Tensor:
        return tf.reduce_max(g.batch_norm(g.conv(y, filters, kernel, padding)), axis=2)

    padded = pad_time(inp)
    front = [
        block(padded, 204, (7, 38), "VALID"),
        block(padded, 204, (7, 67), "VALID"),
        block(inp, 51, (128, 1), "SAME"),
        block(inp, 51, (64, 1), "SAME"),
        block(inp, 51, (32, 1), "SAME"),
    ]
    front_feat = tf.expand_dims(tf.concat(front, 2), 3)  # [B, T, 561, 1]

    # Mid end: three 7-frame convolutions across all features, residual from the 2nd on.
    def mid(y: tf.Tensor) -> tf.Tensor:
        z = g.batch_norm(g.conv(pad_time(y), 64, (7, int(y.shape[2])), "VALID"))
        return tf.transpose(z, [0, 1, 3, 2])  # [B, T, 64, 1]

    m1 = mid(front_feat)
    m2 = mid(m1) + m1
    m3 = mid(m2) + m2
    feat = tf.concat([front_feat, m1, m2, m3], 2)  # [B, T, 753, 1]

    # Back end: max and mean over time, interleaved per feature as training flattened them.
    pooled = tf.concat([tf.reduce_max(feat, 1), tf.reduce_mean(feat, 1)], 2)  # [B, 753, 2]
    pooled_flat = tf.reshape(pooled, [-1, 753 * 2])
    flat = g.batch_norm(pooled_flat)
    penultimate = g.batch_norm(tf.nn.relu(g.dense(flat, 200)))
    logits = g.dense(penultimate, 50)
    return (
        tf.identity(tf.sigmoid(logits), name="tags"),
        tf.identity(penultimate, name="embedding"),
        tf.identity(pooled_flat, name="pooled"),
    )


def log_mel(y16k: np.ndarray) -> np.ndarray:
    """Same front end as soundalike.engine.cnn.log_mel (float32 throughout)."""
    mel = librosa.feature.melspectrogram(
        y=y16k.astype(np.float32), sr=16000, n_fft=512, hop_length=256, n_mels=N_MELS,
        pad_mode="reflect", dtype=np.float32,
    )  # fmt: skip
    return np.log10(1.0 + 10000.0 * mel.T).astype(np.float32)


def audio_patches(paths: list[Path], per_file: int = 6) -> np.ndarray:
    out = []
    for p in paths:
        y, _ = librosa.load(p, sr=16000, mono=True, duration=per_file * 3.0 + 40, offset=30)
        mel = log_mel(y)
        n = min(per_file, mel.shape[0] // N_FRAMES)
        out += [mel[i * N_FRAMES : (i + 1) * N_FRAMES] for i in range(n)]
    return np.stack(out).astype(np.float32)


def run_tflite(blob: bytes, batch: np.ndarray) -> list[np.ndarray]:
    """Every output of the TFLite model *blob* on *batch* (one thread)."""
    interp = tf.lite.Interpreter(model_content=blob, num_threads=1)
    inp = interp.get_input_details()[0]["index"]
    interp.resize_tensor_input(inp, list(batch.shape))
    interp.allocate_tensors()
    interp.set_tensor(inp, batch)
    interp.invoke()
    return [interp.get_tensor(d["index"]) for d in interp.get_output_details()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--audio", nargs="*", type=Path, default=None,
                    help="real audio files for the TF/TFLite agreement check")  # fmt: skip
    ap.add_argument("--checkpoint", type=Path, default=CHECKPOINT)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--pooled", action="store_true",
                    help="also output the pooled mid-level features [n, 1506] (experiments "
                         "only: the shipped model and engine/cnn.py have two outputs)")
    args = ap.parse_args(argv)
    if not (args.checkpoint / ".index").is_file():
        print(f"checkpoint not found in {args.checkpoint} (see this script's docstring)")
        return 1

    tf.compat.v1.disable_eager_execution()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, N_FRAMES, N_MELS], name="mel")
        tags, emb, pooled = musicnn_msd(x)
        variables = {v.op.name: v for v in tf.compat.v1.global_variables()}
        sess = tf.compat.v1.Session(graph=graph)
        tf.compat.v1.train.Saver(var_list=variables).restore(sess, str(args.checkpoint) + "/")
        print(f"restored {len(variables)} variables from {args.checkpoint}")

        fetch = [tags, emb, pooled] if args.pooled else [tags, emb]
        conv = tf.compat.v1.lite.TFLiteConverter.from_session(sess, [x], fetch)
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.target_spec.supported_types = [tf.float16]
        blob = conv.convert()
    args.out.write_bytes(blob)
    sha = hashlib.sha256(blob).hexdigest()
    print(f"wrote {args.out} ({len(blob) / 1e6:.2f} MB, sha256 {sha[:16]}…)")

    # Agreement check on real audio: TF (float32 checkpoint) vs the float16 TFLite file.
    audio = args.audio
    if audio is None:
        tracks = Path("/work/corpus/tracks.txt")
        lines = tracks.read_text().splitlines() if tracks.is_file() else []
        audio = [Path("/work/corpus") / ln for ln in lines[::40]]
    batch = audio_patches(audio) if audio else None
    report: dict = {}
    if batch is not None and len(batch):
        ref_tags, ref_emb, ref_pool = sess.run([tags, emb, pooled], {x: batch})
        ref_pool = ref_pool if args.pooled else None
        outs = run_tflite(blob, batch)
        lt = next(v for v in outs if v.shape[-1] == 50)
        le = next(v for v in outs if v.shape[-1] == 200)
        lp = next((v for v in outs if v.shape[-1] == 1506), None)
        top5 = [set(np.argsort(-a)[:5]) == set(np.argsort(-b)[:5]) for a, b in zip(ref_tags, lt)]
        report = {
            "patches": len(batch),
            "files": [str(p) for p in audio],
            "max_abs_diff_tags": float(np.max(np.abs(ref_tags - lt))),
            "max_abs_diff_embedding": float(np.max(np.abs(ref_emb - le))),
            "embedding_abs_max": float(np.max(np.abs(ref_emb))),
            "top5_same_fraction": float(np.mean(top5)),
        }
        print(
            f"TF vs TFLite on {len(batch)} real-audio patches from {len(audio)} files: "
            f"max |Δtags| = {report['max_abs_diff_tags']:.2e}, "
            f"max |Δembedding| = {report['max_abs_diff_embedding']:.2e} "
            f"(embedding max |x| = {report['embedding_abs_max']:.2f}), "
            f"top-5 tag set identical on {100 * report['top5_same_fraction']:.0f}% of patches"
        )
        if ref_pool is not None:
            report["max_abs_diff_pooled"] = float(np.max(np.abs(ref_pool - lp)))
            report["pooled_abs_max"] = float(np.max(np.abs(ref_pool)))
            print(f"pooled: max |Δ| = {report['max_abs_diff_pooled']:.2e} "
                  f"(pooled max |x| = {report['pooled_abs_max']:.2f})")
    else:
        print("no audio given: TF/TFLite agreement NOT checked", file=sys.stderr)

    # TensorFlow's outputs on a formula-made signal, for tests/engine/test_cnn.py.
    from reference_signal import reference_signal

    mel = log_mel(reference_signal())
    ref_batch = np.stack([mel[i * N_FRAMES : (i + 1) * N_FRAMES] for i in range(3)])
    r_tags, r_emb, r_pool = sess.run([tags, emb, pooled], {x: ref_batch})
    out_dir = args.out.parent
    extra = {"pooled": r_pool} if args.pooled else {}
    np.savez_compressed(out_dir / "reference_outputs.npz", tags=r_tags, embedding=r_emb, **extra)

    (out_dir / "labels.txt").write_text("\n".join(MSD_TAGS) + "\n")
    meta = {
        "name": "musicnn MSD_musicnn (Pons & Serra 2019), float16 TFLite",
        "source": "PyPI musicnn 0.1.0, musicnn/MSD_musicnn checkpoint (ISC licence)",
        "file": args.out.name,
        "sha256": sha,
        "bytes": len(blob),
        "input": {"name": "mel", "shape": [-1, N_FRAMES, N_MELS], "dtype": "float32",
                  "front_end": "16 kHz mono, n_fft 512, hop 256, 96 Slaney mel bands of "
                               "power, log10(1 + 10000*x), 187 frames (3 s) per patch"},
        "outputs": {"tags": [-1, 50], "embedding": [-1, 200],
                    **({"pooled": [-1, 1506]} if args.pooled else {})},
        "tf_version": tf.__version__,
        "agreement": report,
    }  # fmt: skip
    (out_dir / "model.json").write_text(json.dumps(meta, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
