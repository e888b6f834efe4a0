"""The peer scoring of benchmarks/quality.py --peers, on tiny synthetic cases (no bliss)."""

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import numpy as np

_SPEC = importlib.util.spec_from_file_location(
    "quality_bench_peers", Path(__file__).resolve().parents[2] / "benchmarks" / "quality.py")
quality = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(quality)


def _fake_rec(ids):
    def orig_scores(query, method="hybrid"):
        return np.zeros(len(ids), np.float32) + 7

    index = SimpleNamespace(ids=np.array(ids), vector=lambda p, m="hybrid": ("orig", p),
                            scores=orig_scores)
    return SimpleNamespace(index=index)


def test_peer_prepare_ranks_hybrid_by_the_peer_distance_and_unreadable_files_last():
    path_of_id = {10: "a", 20: "b", 30: "c"}
    d = np.array([[0.0, 2.0, np.inf], [2.0, 0.0, np.inf], [np.inf, np.inf, 0.0]])
    seen = []

    def dist(paths):
        seen.append(paths)
        return d

    rec = _fake_rec([30, 10, 20])
    quality.peer_prepare(dist, path_of_id)(rec)
    assert seen == [["c", "a", "b"]]  # index order
    s = rec.index.scores(np.array([0]))
    assert s[0] == 0 and s[1] == -2 and s[2] < -1e20
    assert list(np.argsort(-rec.index.scores(np.array([1]))))[-1] == 2  # "c" comes last
    assert rec.index.scores(np.array([0]), "seed")[0] == 7  # seed left as it is
    assert list(rec.index.vector([1, 2])) == [1, 2]


def test_symmetric_kl_is_zero_on_itself_symmetric_and_grows_with_the_mean_gap():
    mu = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    cov = np.stack([np.eye(2), np.eye(2), np.diag([2.0, 0.5])])
    kl = quality.symmetric_kl(mu, cov)
    assert np.allclose(np.diag(kl), 0)
    assert np.allclose(kl, kl.T)
    assert np.isclose(kl[0, 1], 1.0)  # equal covariances: (Δμ)ᵀΣ⁻¹Δμ
    assert kl[0, 2] > kl[0, 1]


def test_musly_gaussians_list_unreadable_files(tmp_path):
    bad = tmp_path / "bad.ogg"
    bad.write_bytes(b"not audio")
    got, failed = quality.musly_gaussians([str(bad)], None)
    assert got == {} and list(failed) == [str(bad)]
