"""Rebuild musicnn's VGG-like taggers (MSD_vgg / MTT_vgg) and convert them to TFLite.

Experiments only (benchmarks/experiments/mtt_experiment.py); the app ships the musicnn MSD model
built by ``build_tflite.py``. Run in the same throwaway build venv::

    tools/.build-venv/bin/python tools/build_vgg_tflite.py \\
        --checkpoint tools/.checkpoints/x/musicnn/MSD_vgg --out /tmp/vgg/msd_vgg.tflite

Architecture (Pons & Serra 2019, the VGG baseline of the musicnn package): input batch
normalisation, then five 3×3 convolutions with 128 filters (ReLU, then batch
normalisation), each followed by max pooling — 4×1 with stride 2×2 after the first,
2×2 after the next three, 4×4 after the last (all "valid"); the last pooled map
(2 × 1 × 128 for a 187 × 96 patch) is flattened to 256 numbers and a dense layer gives
the 50 tag logits. Variables are named as training named them (``1CNN`` … ``5CNN``,
``batch_normalization_N``, ``dense``), so ``Saver`` restores the checkpoint as is.

Outputs of the .tflite (float16 weights): ``tags`` [n, 50] (sigmoid) and ``embedding``
[n, 256] (the flattened last pooling layer, musicnn's ``pool5`` feature — VGG has no
penultimate dense layer). Only ``--out`` is written; prints the TF↔TFLite difference on
real audio.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from build_tflite import N_FRAMES, N_MELS, Graph, audio_patches, run_tflite

EMB = 256


def conv(x: tf.Tensor, name: str, filters: int = 128) -> tf.Tensor:
    """3×3 'same' convolution + bias + ReLU under the training's layer name."""
    with tf.compat.v1.variable_scope(name):
        w = tf.compat.v1.get_variable("kernel", [3, 3, int(x.shape[-1]), filters])
        b = tf.compat.v1.get_variable("bias", [filters])
    return tf.nn.relu(tf.nn.conv2d(x, w, strides=1, padding="SAME") + b)


def pool(x: tf.Tensor, size: tuple[int, int], stride: tuple[int, int]) -> tf.Tensor:
    return tf.nn.max_pool2d(x, ksize=[1, *size, 1], strides=[1, *stride, 1], padding="VALID")


def musicnn_vgg(x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Inference graph; ``x`` is [batch, 187, 96]. Returns (tags [B, 50], pool5 [B, 256])."""
    g = Graph()
    y = g.batch_norm(tf.expand_dims(x, 3))
    plan = [((4, 1), (2, 2)), ((2, 2), (2, 2)), ((2, 2), (2, 2)), ((2, 2), (2, 2)),
            ((4, 4), (4, 4))]
    for i, (size, stride) in enumerate(plan, 1):
        y = pool(g.batch_norm(conv(y, f"{i}CNN")), size, stride)
    flat = tf.reshape(y, [-1, EMB])
    logits = g.dense(flat, 50)
    return tf.identity(tf.sigmoid(logits), name="tags"), tf.identity(flat, name="embedding")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    if not (args.checkpoint / ".index").is_file():
        print(f"checkpoint not found in {args.checkpoint}")
        return 1
    if args.out.resolve().parent == HERE.parent / "models":
        print("--out must not point into models/ (the shipped model lives there)")
        return 2
    tf.compat.v1.disable_eager_execution()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, N_FRAMES, N_MELS], name="mel")
        tags, emb = musicnn_vgg(x)
        variables = {v.op.name: v for v in tf.compat.v1.global_variables()}
        sess = tf.compat.v1.Session(graph=graph)
        tf.compat.v1.train.Saver(var_list=variables).restore(sess, str(args.checkpoint) + "/")
        print(f"restored {len(variables)} variables from {args.checkpoint}")
        conv_ = tf.compat.v1.lite.TFLiteConverter.from_session(sess, [x], [tags, emb])
        conv_.optimizations = [tf.lite.Optimize.DEFAULT]
        conv_.target_spec.supported_types = [tf.float16]
        blob = conv_.convert()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(blob)
    print(f"wrote {args.out} ({len(blob) / 1e6:.2f} MB, "
          f"sha256 {hashlib.sha256(blob).hexdigest()[:16]}…)")

    lines = Path("/work/corpus/tracks.txt").read_text().splitlines()
    batch = audio_patches([Path("/work/corpus") / ln for ln in lines[::40]])
    ref_tags, ref_emb = sess.run([tags, emb], {x: batch})
    outs = run_tflite(blob, batch)
    lt = next(v for v in outs if v.shape[-1] == 50)
    le = next(v for v in outs if v.shape[-1] == EMB)
    top5 = np.mean([set(np.argsort(-a)[:5]) == set(np.argsort(-b)[:5])
                    for a, b in zip(ref_tags, lt, strict=False)])
    print(f"TF vs TFLite on {len(batch)} real-audio patches: max |Δtags| = "
          f"{np.max(np.abs(ref_tags - lt)):.2e}, max |Δembedding| = "
          f"{np.max(np.abs(ref_emb - le)):.2e} (embedding max |x| = "
          f"{np.max(np.abs(ref_emb)):.2f}), top-5 tag set identical on {100 * top5:.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
