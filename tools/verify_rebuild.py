"""Check that build_tflite.py's raw-op graph equals musicnn's own layer-based graph.

Build venv only (needs tf-keras, installed with tensorflow-cpu); imports musicnn's
``models.py`` from the unpacked wheel in tools/.checkpoints/x — nothing is copied::

    tools/.build-venv/bin/pip install "tf-keras==2.21.0"
    tools/.build-venv/bin/python tools/verify_rebuild.py

Prints the max absolute difference of tags, embedding and pooled features on real-audio
patches.
"""

import os
import sys
from pathlib import Path

os.environ["TF_USE_LEGACY_KERAS"] = "1"  # tf.compat.v1.layers needs legacy Keras on TF ≥ 2.16
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / ".checkpoints" / "x"), str(HERE)]

import build_tflite as build
import numpy as np
import tensorflow as tf
from musicnn import models as upstream


def run(make, batch: np.ndarray) -> list[np.ndarray]:
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, build.N_FRAMES, build.N_MELS])
        outputs = make(x)
        sess = tf.compat.v1.Session(graph=graph)
        tf.compat.v1.train.Saver().restore(sess, str(build.CHECKPOINT) + "/")
        return sess.run(list(outputs), {x: batch})


def upstream_graph(x):
    out = upstream.define_model(x, False, "MSD_musicnn", 50)
    # logits, …, mean_pool, max_pool, penultimate → the rebuild's interleaved pooled layout
    pooled = tf.reshape(tf.stack([out[7], out[6]], axis=2), [-1, 753 * 2])
    return tf.sigmoid(out[0]), out[-1], pooled


def main() -> int:
    tf.compat.v1.disable_eager_execution()
    lines = Path("/work/corpus/tracks.txt").read_text().splitlines()
    batch = build.audio_patches([Path("/work/corpus") / ln for ln in lines[5::50]], per_file=3)
    t1, e1, p1 = run(upstream_graph, batch)
    t2, e2, p2 = run(build.musicnn_msd, batch)
    print(
        f"{len(batch)} patches: musicnn layers vs raw-op rebuild, "
        f"max |Δtags| = {np.abs(t1 - t2).max():.1e}, "
        f"max |Δembedding| = {np.abs(e1 - e2).max():.1e}, "
        f"max |Δpooled| = {np.abs(p1 - p2).max():.1e} (max |pooled| = {np.abs(p1).max():.1f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
