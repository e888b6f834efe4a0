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

Two graphs: ``musicnn_msd()`` is the checkpoint's own layer graph (restored by name; it
gives the float32 TF reference outputs), and ``fast_musicnn_msd()`` is the graph that is
converted: the same function with the checkpoint folded into constants by ``fold()`` and
laid out for LiteRT's CPU kernels (max over frequency before ReLU/batch norm, time taps
as channels, temporal convs in a space-to-depth layout, dead channels dropped, every op
delegated to XNNPACK). The script prints how far the two agree in TF float32 (≈ 1e-6).

Outputs: ``models/musicnn_msd.tflite`` (float16 weights; outputs ``tags`` [n, 50] and
``embedding`` [n, 200]; with ``--pooled`` also ``pooled`` [n, 1506], for
benchmarks/experiments/pooled_features_experiment.py — the app does not use it), and next to it
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


# Tag order of the MagnaTagATune model's output layer (musicnn configuration.MTT_LABELS).
MTT_TAGS = [
    "guitar", "classical", "slow", "techno", "strings", "drums", "electronic", "rock",
    "fast", "piano", "ambient", "beat", "violin", "vocal", "synth", "female", "indian",
    "opera", "male", "singing", "vocals", "no vocals", "harpsichord", "loud", "quiet",
    "flute", "woman", "male vocal", "no vocal", "pop", "soft", "sitar", "solo", "man",
    "classic", "choir", "voice", "new age", "dance", "male voice", "female vocal", "beats",
    "harp", "cello", "no voice", "weird", "country", "metal", "female voice", "choral",
]  # fmt: skip

#: What each vocabulary's build writes next to the .tflite: labels, metadata, reference
#: outputs (the MSD names are the original ones, kept so nothing else moves).
VOCABULARIES = {
    "msd": {"tags": MSD_TAGS, "checkpoint": "MSD_musicnn", "labels": "labels.txt",
            "meta": "model.json", "reference": "reference_outputs.npz"},
    "mtt": {"tags": MTT_TAGS, "checkpoint": "MTT_musicnn", "labels": "labels_mtt.txt",
            "meta": "model_mtt.json", "reference": "reference_outputs_mtt.npz"},
}


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


# --- The graph that is converted to TFLite -------------------------------------------------
# Same function as musicnn_msd(), with the checkpoint's values folded into constants and the
# work laid out so that both LiteRT CPU paths (XNNPACK and the builtin kernels) run it as a
# few large GEMMs with no element-wise pass over the big conv outputs. models/MODEL_CARD.md
# ("Graph formulation") has the measurements behind each choice.
DEAD_BOUND = 1e-7  # prune a front-end channel when |BN scale| × max |conv + bias| < this
LOG_MEL_MAX = 20.0  # upper bound on log10(1 + 10000·mel) used for that bound (real ≤ ~8)
TIME_BLOCK = 8  # frames per block in the temporal convs' space-to-depth layout


def _bn(v: dict[str, np.ndarray], name: str) -> tuple[np.ndarray, np.ndarray]:
    """(scale, shift) of inference batch normalisation *name*, in float64."""
    g, b = v[f"{name}/gamma"].astype(np.float64), v[f"{name}/beta"].astype(np.float64)
    m, var = v[f"{name}/moving_mean"], v[f"{name}/moving_variance"].astype(np.float64)
    s = g / np.sqrt(var + BN_EPS)
    return s, b - m * s


def _temporal_weights(w: np.ndarray, block: int) -> tuple[np.ndarray, int, int, int]:
    """A k×1 SAME time conv rewritten for a [n, frames/block, 96, block] input.

    Output block ``o`` (frames block·o … block·o+block−1) is a VALID conv of ``nk`` input
    blocks: weights [nk, 1, block, block·C]; zero where a tap falls outside the kernel.
    Returns (weights, nk, front pad, padded length).
    """
    k, c = w.shape[0], w.shape[-1]
    before = (k - 1) // 2  # TF SAME: output t reads x[t − before … t − before + k − 1]
    front = -(-before // block) * block
    off = front - before
    nk = -(-(off + block - 1 + k) // block)
    nb = -(-N_FRAMES // block)
    out = np.zeros((nk, 1, block, block, c), np.float64)
    for o in range(block):
        for i in range(k):
            q = o + off + i
            out[q // block, 0, q % block, o] = w[i, 0, 0]
    return out.reshape(nk, 1, block, block * c), nk, front, (nb + nk - 1) * block


def _f32(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, np.float32)


def fold(v: dict[str, np.ndarray], prune: bool = True) -> dict:
    """Fold the checkpoint *v* (variable name → value) into the fast graph's constants.

    Exact algebra, except dropping dead channels (below): for the front end,
    ``max_f(s·relu(z) + b) = s·relu(max_f z) + b`` when ``s > 0``, and ``s·relu(min_f z) + b``
    when ``s < 0`` with ``min_f z = −max_f(−z)``; so each conv's weights are multiplied by
    ``sign(s)``, the max over frequency is taken on the raw conv output, and bias, ReLU and
    batch norm run after it on [n, 187, C]. A channel whose ``|s| · max|z|`` is below
    DEAD_BOUND for any input (the checkpoint has batch-norm gammas of ~1e-13) is the
    constant ``b``: it is not computed, and its contribution to the mid end (a per-frame
    bias, exact at the zero-padded edges) and to the dense layer (a bias) is folded in.
    The back end's batch norm is folded into the dense layer, whose rows are reordered to
    take [max over time ‖ mean over time] instead of the interleaved layout.
    """
    s0, b0 = _bn(v, "batch_normalization")
    x_abs = float(max(abs(b0[0]), abs(b0[0] + LOG_MEL_MAX * s0[0])))
    p: dict = {"in_scale": _f32(s0), "in_shift": _f32(b0), "timbral": [], "temporal": []}
    specs = [("conv2d", 1, "timbral"), ("conv2d_1", 2, "timbral"), ("conv2d_2", 3, "temporal"),
             ("conv2d_3", 4, "temporal"), ("conv2d_4", 5, "temporal")]  # fmt: skip
    live_idx, dead_idx, dead_val = [], [], []
    sign_all, bias_all, s_all, b_all = [], [], [], []
    base = 0
    for conv, bn, kind in specs:
        w = v[f"{conv}/kernel"].astype(np.float64)
        bias = v[f"{conv}/bias"].astype(np.float64)
        s, b = _bn(v, f"batch_normalization_{bn}")
        z_abs = np.abs(bias) + np.abs(w).reshape(-1, w.shape[-1]).sum(0) * x_abs
        live = np.abs(s) * z_abs >= DEAD_BOUND if prune else np.ones(len(s), bool)
        sign = np.where(s < 0, -1.0, 1.0)[live]
        ws = w[..., live] * sign
        if kind == "timbral":  # [7, K, 1, C] → [1, K, 7, C]: time taps become channels
            p["timbral"].append(_f32(np.transpose(ws, (2, 1, 0, 3))))
        else:
            tw, nk, front, length = _temporal_weights(ws, TIME_BLOCK)
            p["temporal"].append((_f32(tw), nk, front, length, int(live.sum())))
        live_idx += list(base + np.flatnonzero(live))
        dead_idx += list(base + np.flatnonzero(~live))
        dead_val += list(b[~live])
        sign_all.append(sign)
        bias_all.append(bias[live])
        s_all.append(s[live])
        b_all.append(b[live])
        base += len(s)
    assert base == 561
    p["front_sign"], p["front_bias"] = (
        _f32(np.concatenate(sign_all)),
        _f32(np.concatenate(bias_all)),
    )
    p["front_scale"], p["front_shift"] = _f32(np.concatenate(s_all)), _f32(np.concatenate(b_all))
    live_idx, dead_idx, dead_val = np.array(live_idx), np.array(dead_idx, int), np.array(dead_val)

    # Mid end: conv over 7 zero-padded frames; dead inputs become a per-frame bias.
    mids = []
    for i, (conv, bn) in enumerate([("conv2d_5", 6), ("conv2d_6", 7), ("conv2d_7", 8)]):
        w = v[f"{conv}/kernel"].astype(np.float64)[:, :, 0, :]  # [7, C_in, 64]
        bias = np.broadcast_to(v[f"{conv}/bias"].astype(np.float64), (N_FRAMES, 64)).copy()
        if i == 0:
            if len(dead_idx):
                contrib = np.einsum("j,djo->do", dead_val, w[:, dead_idx])  # [7, 64]
                for t in range(N_FRAMES):
                    for d in range(7):
                        if 0 <= t + d - 3 < N_FRAMES:
                            bias[t] += contrib[d]
            w = w[:, live_idx]
        s, b = _bn(v, f"batch_normalization_{bn}")
        mids.append((_f32(w[:, None]), _f32(bias[:, None, :]), _f32(s), _f32(b)))
    p["mid"] = mids

    # Back end: flat = BN(pooled) → dense; pooled is [max_0, mean_0, max_1, …] over 753.
    s9, b9 = _bn(v, "batch_normalization_9")
    wd, bd = v["dense/kernel"].astype(np.float64), v["dense/bias"].astype(np.float64)
    ws9 = s9[:, None] * wd
    bias = bd + b9 @ wd
    feat_idx = np.concatenate([live_idx, np.arange(561, 753)])
    if len(dead_idx):
        bias += dead_val @ (ws9[2 * dead_idx] + ws9[2 * dead_idx + 1])
    p["dense"] = (_f32(np.concatenate([ws9[2 * feat_idx], ws9[2 * feat_idx + 1]])), _f32(bias))
    p["emb_bn"] = tuple(_f32(a) for a in _bn(v, "batch_normalization_10"))
    p["dense_1"] = (_f32(v["dense_1/kernel"]), _f32(v["dense_1/bias"]))
    p["n_front"], p["n_dead"] = len(live_idx), len(dead_idx)
    return p


def _max_pool(x: tf.Tensor, window: tuple[int, int]) -> tf.Tensor:
    return tf.nn.max_pool2d(x, list(window), list(window), "VALID")


def fast_musicnn_msd(x: tf.Tensor, p: dict, pooled: bool = False) -> list[tf.Tensor]:
    """The converted graph: ``x`` [n, 187, 96] → [tags, embedding(, pooled)].

    Layout (every op is delegated to XNNPACK; see MODEL_CARD.md for the timings):
    - timbral 7×38 / 7×67 convs: the 7 time taps become 7 input channels (7 slices of the
      zero-padded input, stacked: [n, 187, 96, 7]), then a 1×K VALID conv, a 1×(97−K)
      max pool over frequency, and bias/ReLU/batch norm on [n, 187, C];
    - temporal 128/64/32×1 convs: space-to-depth in time (blocks of TIME_BLOCK frames as
      channels, [n, frames/8, 96, 8]) and a VALID (k/8+1)×1 conv with 8·C outputs, max
      pool over the 96 bands, reshaped back to frames;
    - mid end: 7×1 convs over [n, 187, 1, C] (features as channels); back end: max and
      average pooling over the 187 frames, one dense layer with batch norm folded in.
    """
    n_t = N_FRAMES
    xb = x * p["in_scale"] + p["in_shift"]  # [n, T, 96]
    padded = tf.pad(xb, [[0, 0], [3, 3], [0, 0]])
    # [n, T, 96, 7]; XNNPACK delegates neither PACK nor a CONCATENATION of > 5 inputs.
    taps = [tf.reshape(padded[:, i : i + n_t], [-1, n_t, N_MELS, 1]) for i in range(7)]
    stacked = tf.concat([tf.concat(taps[:4], axis=3), tf.concat(taps[4:], axis=3)], axis=3)
    parts = []
    for w in p["timbral"]:
        z = tf.nn.conv2d(stacked, w, strides=1, padding="VALID")  # [n, T, 97 − K, C]
        parts.append(tf.reshape(_max_pool(z, (1, int(z.shape[2]))), [-1, n_t, w.shape[-1]]))
    for w, _nk, front, length, c in p["temporal"]:
        blk = TIME_BLOCK
        y = tf.pad(xb, [[0, 0], [front, length - front - n_t], [0, 0]])
        y = tf.transpose(tf.reshape(y, [-1, length // blk, blk, N_MELS]), [0, 1, 3, 2])
        z = tf.nn.conv2d(y, w, strides=1, padding="VALID")  # [n, blocks, 96, blk·C]
        z = tf.reshape(_max_pool(z, (1, N_MELS)), [-1, int(z.shape[1]) * blk, c])
        parts.append(z[:, :n_t])
    m = tf.concat(parts, axis=2)  # [n, T, C_live]: max over frequency of sign·conv
    front = tf.nn.relu(m * p["front_sign"] + p["front_bias"]) * p["front_scale"] + p["front_shift"]
    feats = [tf.reshape(front, [-1, n_t, 1, int(front.shape[2])])]  # not EXPAND_DIMS: XNNPACK
    prev = feats[0]
    for i, (w, bias, s, b) in enumerate(p["mid"]):
        y = tf.pad(prev, [[0, 0], [3, 3], [0, 0], [0, 0]])
        y = tf.nn.relu(tf.nn.conv2d(y, w, strides=1, padding="VALID") + bias) * s + b
        prev = y if i == 0 else y + prev
        feats.append(prev)
    feat = tf.concat(feats, axis=3)  # [n, T, 1, F]
    n_f = int(feat.shape[3])
    mx = tf.reshape(_max_pool(feat, (n_t, 1)), [-1, n_f])
    mean = tf.reshape(tf.nn.avg_pool2d(feat, [n_t, 1], [n_t, 1], "VALID"), [-1, n_f])
    wd, bd = p["dense"]
    s10, b10 = p["emb_bn"]
    emb = tf.nn.relu(tf.matmul(tf.concat([mx, mean], axis=1), wd) + bd) * s10 + b10
    w1, b1 = p["dense_1"]
    out = [tf.identity(tf.sigmoid(tf.matmul(emb, w1) + b1), name="tags"),
           tf.identity(emb, name="embedding")]  # fmt: skip
    if pooled:
        assert p["n_dead"] == 0, "the pooled output needs every channel (fold(prune=False))"
        # experiments only: this PACK is the one op XNNPACK does not take (a 2nd partition)
        out.append(tf.reshape(tf.stack([mx, mean], axis=2), [-1, 753 * 2], name="pooled"))
    return out


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
    ap.add_argument(
        "--pooled",
        action="store_true",
        help="also output the pooled mid-level features [n, 1506] (experiments "
        "only: the shipped model and engine/cnn.py have two outputs)",
    )
    ap.add_argument("--vocabulary", choices=sorted(VOCABULARIES), default=None,
                    help="which tag list the checkpoint was trained on (default: from the "
                         "checkpoint folder's name, MTT_… → mtt, else msd)")
    args = ap.parse_args(argv)
    vocab_name = args.vocabulary or ("mtt" if args.checkpoint.name.upper().startswith("MTT")
                                     else "msd")
    vocab = VOCABULARIES[vocab_name]
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

        values = sess.run(variables)
    params = fold(values, prune=not args.pooled)
    print(
        f"front end: {params['n_front']} of 561 channels computed, {params['n_dead']} dead "
        f"(|BN scale| × max |conv| < {DEAD_BOUND:g}) folded into biases"
    )
    fast_graph = tf.Graph()
    with fast_graph.as_default():
        fx = tf.compat.v1.placeholder(tf.float32, [None, N_FRAMES, N_MELS], name="mel")
        fast_out = fast_musicnn_msd(fx, params, pooled=args.pooled)
        fast_sess = tf.compat.v1.Session(graph=fast_graph)
        conv = tf.compat.v1.lite.TFLiteConverter.from_session(fast_sess, [fx], fast_out)
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
        fast = fast_sess.run(fast_out, {fx: batch})
        report["max_abs_diff_tags_tf_rewritten_graph"] = float(np.max(np.abs(ref_tags - fast[0])))
        report["max_abs_diff_embedding_tf_rewritten_graph"] = float(
            np.max(np.abs(ref_emb - fast[1]))
        )
        print(
            "TF float32, checkpoint graph vs rewritten graph: max |Δtags| = "
            f"{report['max_abs_diff_tags_tf_rewritten_graph']:.1e}, max |Δembedding| = "
            f"{report['max_abs_diff_embedding_tf_rewritten_graph']:.1e}"
        )
        if ref_pool is not None:
            d = float(np.max(np.abs(ref_pool - fast[2])))
            report["max_abs_diff_pooled_tf_rewritten_graph"] = d
            print(f"TF float32, checkpoint graph vs rewritten graph: max |Δpooled| = {d:.1e}")
        outs = run_tflite(blob, batch)
        lt = next(v for v in outs if v.shape[-1] == 50)
        le = next(v for v in outs if v.shape[-1] == 200)
        lp = next((v for v in outs if v.shape[-1] == 1506), None)
        top5 = [set(np.argsort(-a)[:5]) == set(np.argsort(-b)[:5])
                for a, b in zip(ref_tags, lt, strict=False)]
        report = report | {
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
            print(
                f"pooled: max |Δ| = {report['max_abs_diff_pooled']:.2e} "
                f"(pooled max |x| = {report['pooled_abs_max']:.2f})"
            )
    else:
        print("no audio given: TF/TFLite agreement NOT checked", file=sys.stderr)

    # TensorFlow's outputs on a formula-made signal, for tests/engine/test_cnn.py.
    from reference_signal import reference_signal

    mel = log_mel(reference_signal())
    ref_batch = np.stack([mel[i * N_FRAMES : (i + 1) * N_FRAMES] for i in range(3)])
    r_tags, r_emb, r_pool = sess.run([tags, emb, pooled], {x: ref_batch})
    out_dir = args.out.parent
    extra = {"pooled": r_pool} if args.pooled else {}
    np.savez_compressed(out_dir / vocab["reference"], tags=r_tags, embedding=r_emb, **extra)

    (out_dir / vocab["labels"]).write_text("\n".join(vocab["tags"]) + "\n")
    meta = {
        "name": f"musicnn {vocab['checkpoint']} (Pons & Serra 2019), float16 TFLite",
        "source": f"PyPI musicnn 0.1.0, musicnn/{vocab['checkpoint']} checkpoint (ISC licence)",
        "vocabulary": vocab_name,
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
    (out_dir / vocab["meta"]).write_text(json.dumps(meta, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
