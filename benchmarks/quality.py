"""Recommendation quality: precision@5/@10 of "same group" for each method.

    python benchmarks/quality.py --manifest FILE.csv [--db PATH] [--workers N]

The manifest is a CSV with a header and columns ``path,group,artist`` (paths relative
to the manifest's folder, or absolute). The files are scanned and analysed into the
database (``--db``; a temporary one by default — pass a path to reuse the analyses
across runs; it should be a database for this evaluation, tracks in it that are not in
the manifest are never counted nor returned). Then, for every track and each method,
the top-k list is computed over all tracks with the normal filters (duplicates removed,
at most 2 per artist and per album) **and the query's artist excluded** — the standard
guard against the album/artist effect — and precision@k is the share of those k
results whose group equals the query's (a list shorter than k counts the gap as
misses; a row with an empty artist is never excluded). The table also counts result
lists that break the duplicate rule or the artist/album caps, for the filtered lists and for
the raw unfiltered top-10 (the seed's original behaviour). The last line is
``hybrid P@10=0.xxx seed P@10=0.xxx``.

Other CSV layouts: ``--path-col``, ``--group-col``, ``--artist-col`` pick the columns;
``--artist-col 'composer|package'`` takes the first non-empty of several columns.
``--resolve debian-games`` maps the development corpus's ``music/<package>/<rest>``
paths to ``<manifest folder>/x/<package>/usr/share/games/<rest>`` (or
``…/usr/share/<rest>``). For the development corpus::

    python benchmarks/quality.py --manifest /work/corpus/dev.csv --group-col style \\
        --artist-col 'composer|package' --resolve debian-games --db /tmp/dev-eval.db

``--variants`` also evaluates hybrid with single blocks and other weightings.

``--peers`` also scores other systems' similarity under the same filters and measures,
each against hybrid with paired-bootstrap intervals (:func:`print_peers`): ``bliss``
(bliss-audio's ``Song(path).analysis``, Euclidean; needs the ``bench`` extra),
``musicnn`` (the stored embedding, cosine) and ``musly`` (one Gaussian over the MFCC
frames, symmetrised KL). bliss's features and musly's Gaussians are cached in
``<db>.bliss.npz`` / ``<db>.musly.npz`` (with a temporary database, not kept). Files a peer
cannot read are listed and are not queries in its row.

``--baseline-db OTHER.db`` also scores hybrid on another database of the same files (an
older analysis version, say) and prints this database's hybrid minus that one, P@10 and
same-artist P@10, paired per query (matched by path) with bootstrap intervals.

Supplementary measures (less dependent on weak group labels; printed before the last
line). Both use the normal duplicate filter but neither the artist exclusion nor the
per-artist/per-album caps (the caps would hide the very tracks being looked for):

* **variants** — when the manifest has a ``variant_of`` column (``--variant-col``), rows
  sharing a non-empty value are versions of one piece (tempo variants, remixes); a row
  whose own ``variant_of`` is empty is the original of piece *X* when its file name
  without extension, trailing ``_``/``-``/spaces stripped, is *X* (case-insensitive)
  and its artist is that of one of *X*'s variants. Every track of a piece with at least
  two versions is a query; reported are the mean reciprocal rank of its first other
  version in the full ranking (0 when filtered out) and recall@10 of its other versions.
  Version pairs the duplicate rule would merge are counted and printed.
* **same artist** — P@10 of results with the query's artist, over queries whose artist
  is non-empty and has at least one other track ("does it find more by the same
  composer", a common proxy when genre labels are weak).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

OUTSIDE = "soundalike eval outside manifest"


AUDIO_EXT = {".ogg", ".flac", ".mp3", ".wav", ".opus", ".m4a", ".aiff", ".aif", ".wma", ".oga"}
_PKG_FILES: dict[Path, list[Path]] = {}


def _package_files(root: Path) -> list[Path]:
    if root not in _PKG_FILES:
        _PKG_FILES[root] = [Path(d) / f for d, _, files in os.walk(root) for f in files
                            if os.path.splitext(f)[1].lower() in AUDIO_EXT]
    return _PKG_FILES[root]


def resolve_debian_games(rel: str, base: Path) -> str | None:
    """Map a development-corpus path to the extracted file.

    ``music/<pkg>/<rest>`` → ``base/x/<pkg>/usr/share/games/<rest>`` or
    ``base/x/<pkg>/usr/share/<rest>``. When neither exists (some packages install
    elsewhere, e.g. ``x/<pkg>/pk3/…``, or ship ``song.ogg`` where the label says
    ``song_mix.flac``), the audio file under ``base/x/<pkg>`` sharing the most trailing
    folder names with *rest* is taken, preferring the same file name, then a name that
    starts with the other's stem; an ambiguous match resolves to nothing.
    """
    parts = Path(rel).parts
    if len(parts) < 3 or parts[0] != "music":
        return None
    pkg, rest = parts[1], Path(*parts[2:])
    for cand in (base / "x" / pkg / "usr" / "share" / "games" / rest,
                 base / "x" / pkg / "usr" / "share" / rest):
        if cand.is_file():
            return str(cand)
    want_dirs, want = list(rest.parent.parts)[::-1], rest
    best: list[tuple[tuple[int, int], Path]] = []
    for f in _package_files(base / "x" / pkg):
        dirs = list(f.parent.parts)[::-1]
        same = 0
        for a, b in zip(dirs, want_dirs, strict=False):
            if a != b:
                break
            same += 1
        if f.name == want.name:
            name = 2
        elif want.stem.startswith(f.stem) or f.stem.startswith(want.stem):
            name = 1
        else:
            name = 0
        if name == 0 or (same == 0 and name < 2):
            continue
        best.append(((same, name), f))
    if not best:
        return None
    best.sort(key=lambda x: x[0], reverse=True)
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None
    return str(best[0][1])


def read_manifest(path: Path, *, path_col: str, group_col: str, artist_col: str,
                  resolve: str | None,
                  variant_col: str = "variant_of") -> tuple[list[dict], list[str]]:
    """Rows ``{"path", "group", "artist", "variant_of"}`` with absolute paths, and problems.

    ``variant_of`` is ``None`` on every row when the manifest has no *variant_col*.
    """
    base = path.parent.absolute()
    rows, problems = [], []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SystemExit(
            f"quality: cannot read the manifest {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SystemExit(f"quality: the manifest {path} is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    cols = reader.fieldnames or []
    artist_cols = artist_col.split("|")
    missing = [c for c in (path_col, group_col, *artist_cols) if c not in cols]
    if missing:
        raise SystemExit(f"quality: the manifest has no column(s) {', '.join(missing)} "
                         f"(it has: {', '.join(cols) or 'nothing'})")
    for n, r in enumerate(reader, 2):
        rel = (r.get(path_col) or "").strip()
        group = (r.get(group_col) or "").strip()
        artist = next((r[c].strip() for c in artist_cols if (r.get(c) or "").strip()), "")
        if not rel or not group:
            problems.append(f"line {n}: no path or no group")
            continue
        if resolve == "debian-games":
            p = resolve_debian_games(rel, base)
        else:
            p = rel if os.path.isabs(rel) else str(base / rel)
            p = p if os.path.isfile(p) else None
        if p is None:
            problems.append(f"line {n}: file not found: {rel}")
            continue
        variant = (r.get(variant_col) or "").strip() if variant_col in cols else None
        rows.append({"path": os.path.abspath(p), "group": group, "artist": artist,
                     "variant_of": variant, "stem": Path(rel).stem})
    return rows, problems


def piece_of(rows: list[dict]) -> dict[str, str]:
    """Path → piece for the rows that are one of at least two versions of a piece.

    See the module docstring for the rule (``variant_of`` value; the original is the
    row with an empty ``variant_of``, that file name and a variant's artist).
    """
    artists: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r.get("variant_of"):
            artists[r["variant_of"].casefold()].add(r["artist"])
    out = {}
    for r in rows:
        v = r.get("variant_of")
        if v:
            out[r["path"]] = v.casefold()
        elif v is not None:
            stem = r.get("stem", Path(r["path"]).stem).rstrip("_- ").casefold()
            if stem in artists and r["artist"] in artists[stem]:
                out[r["path"]] = stem
    count: dict[str, int] = defaultdict(int)
    for k in out.values():
        count[k] += 1
    return {p: k for p, k in out.items() if count[k] >= 2}


def rank_measures(ranked: list, relevant: set, k: int = 10) -> tuple[float, float]:
    """Reciprocal rank of the first relevant item (0 if none) and recall@k."""
    rr = next((1.0 / i for i, x in enumerate(ranked, 1) if x in relevant), 0.0)
    rec = sum(x in relevant for x in ranked[:k]) / len(relevant) if relevant else 0.0
    return rr, rec


def scan_and_analyse(db: str, paths: list[str], workers: int | None) -> None:
    from soundalike.cli.progress import ProgressBar
    from soundalike.library.analysis.controller import AnalysisController
    from soundalike.library.files.scanner import Scanner
    from soundalike.library.store import Store

    with Store(db) as store:
        root = os.path.commonpath(paths) if len(paths) > 1 else os.path.dirname(paths[0])
        if os.path.isfile(root):
            root = os.path.dirname(root)
        known = {f.path for f in store.folders()}
        if root not in known:
            store.add_folder(root)
        scanner = Scanner(store)
        with ProgressBar(len(paths), "Scanning", stream=sys.stderr) as bar:
            for i, p in enumerate(paths, 1):
                scanner.scan_file(p)
                bar.update(i)
    bar = ProgressBar(None, "Analysing", unit="tracks", stream=sys.stderr)

    def on_progress(p) -> None:
        bar.set_total(p.total or None)
        bar.update(p.done + p.failed)

    controller = AnalysisController(db, workers=workers, on_progress=on_progress)
    controller.run()
    bar.close()


def bliss_features(paths: list[str], cache: str | None) -> tuple[dict, dict]:
    """bliss-audio's ``Song(path).analysis`` per file, and the files it cannot read.

    Returns ``({path: vector}, {path: reason})``. With *cache* (an ``.npz``), files
    already in it are not analysed again and the new ones are added to it.
    """
    import numpy as np

    feats: dict = {}
    failed: dict = {}
    if cache and os.path.isfile(cache):
        with np.load(cache, allow_pickle=False) as z:
            feats = {str(p): v for p, v in zip(z["paths"], z["features"], strict=True)}
            failed = {str(p): str(m) for p, m in zip(z["failed"], z["reasons"], strict=True)}
    todo = [p for p in paths if p not in feats and p not in failed]
    if todo:
        from bliss_audio import Song  # benchmark only: the app never imports bliss

        from soundalike.cli.progress import ProgressBar

        with ProgressBar(len(todo), "bliss", stream=sys.stderr) as bar:
            for i, p in enumerate(todo, 1):
                try:
                    feats[p] = np.asarray(Song(p).analysis, np.float64)
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as exc:  # noqa: BLE001 - bliss panics are BaseException
                    failed[p] = f"{type(exc).__name__}: {exc}"[:200]
                bar.update(i)
        if cache:
            np.savez(cache, paths=np.array(list(feats), dtype=str),
                     features=np.array(list(feats.values())).reshape(len(feats), -1),
                     failed=np.array(list(failed), dtype=str),
                     reasons=np.array(list(failed.values()), dtype=str))
    return ({p: feats[p] for p in paths if p in feats},
            {p: failed[p] for p in paths if p in failed})


def musly_gaussians(paths: list[str], cache: str | None) -> tuple[dict, dict]:
    """musly-style timbre model per file: (μ, Σ) of its 13 MFCC frames, and failures.

    Frames as the shipped DSP block computes them (``audio.load``'s excerpts, 2048/256
    STFT, mel, dB, DCT); Σ regularised by 1e-3 · tr Σ / 13 · I as in
    ``experiments/matching_experiment.py``. Cached like :func:`bliss_features`.
    """
    import numpy as np

    from soundalike.engine import audio, dsp, spectral

    got: dict = {}
    failed: dict = {}
    if cache and os.path.isfile(cache):
        with np.load(cache, allow_pickle=False) as z:
            got = {str(p): (m, c) for p, m, c in zip(z["paths"], z["mu"], z["cov"], strict=True)}
            failed = {str(p): str(m) for p, m in zip(z["failed"], z["reasons"], strict=True)}
    todo = [p for p in paths if p not in got and p not in failed]
    n = dsp.N_MFCC
    for p in todo:
        try:
            a = audio.load(p)
            fb = spectral.mel_filterbank(a.sr, dsp.N_FFT, dsp.N_MELS)
            win = spectral.hann(dsp.N_FFT)
            frames = []
            for y in a.segments:
                if len(y) < dsp.N_FFT:
                    continue
                mag = spectral.stft_magnitude(np.ascontiguousarray(y, np.float32), dsp.N_FFT,
                                              dsp.HOP, window=win)
                mag = mag if mag.shape[0] == fb.shape[1] else mag.T
                mel_db = spectral.power_to_db(fb @ np.square(mag), ref=1.0, amin=1e-10,
                                              top_db=80.0)
                frames.append(spectral.mfcc(mel_db, n))
            x = np.concatenate(frames, axis=1).T.astype(np.float64)
            cov = np.cov(x, rowvar=False)
            cov += np.eye(n) * 1e-3 * np.trace(cov) / n
            got[p] = (x.mean(axis=0), cov)
        except Exception as exc:  # noqa: BLE001 - listed and left out
            failed[p] = f"{type(exc).__name__}: {exc}"[:200]
    if todo and cache:
        np.savez(cache, paths=np.array(list(got), dtype=str),
                 mu=np.array([m for m, _ in got.values()]).reshape(len(got), n),
                 cov=np.array([c for _, c in got.values()]).reshape(len(got), n, n),
                 failed=np.array(list(failed), dtype=str),
                 reasons=np.array(list(failed.values()), dtype=str))
    return ({p: got[p] for p in paths if p in got},
            {p: failed[p] for p in paths if p in failed})


def symmetric_kl(mu, cov):
    """KL(i‖j) + KL(j‖i) for every pair of Gaussians, [n, n]."""
    import numpy as np

    inv = np.linalg.inv(cov)
    trace = np.einsum("iab,jba->ij", inv, cov)  # tr(Σ_i⁻¹ Σ_j)
    diff = mu[:, None, :] - mu[None, :, :]
    maha = np.einsum("ija,iab,ijb->ij", diff, inv, diff)
    return np.maximum(0.5 * (trace + trace.T + maha + maha.T) - mu.shape[1], 0.0)


def swap_hybrid_scores(rec, score_rows) -> None:
    """Make the index's ``hybrid`` method score with ``score_rows(positions) -> [n]``.

    The ``seed`` method is left as it is. Used as (part of) a ``prepare`` hook.
    """
    import numpy as np

    idx = rec.index
    orig_vector, orig_scores = idx.vector, idx.scores

    def vector(positions, method="hybrid"):
        return (np.atleast_1d(np.asarray(positions)) if method == "hybrid"
                else orig_vector(positions, method))

    def scores(query, method="hybrid"):
        if method != "hybrid":
            return orig_scores(query, method)
        return np.asarray(score_rows(np.atleast_1d(query)), np.float32)

    idx.vector, idx.scores = vector, scores


def peer_prepare(distances, path_of_id: dict):
    """A ``prepare`` hook ranking ``hybrid`` by a peer's ``distances(paths) -> [n, n]``
    (``inf`` where the peer has nothing for a track: it then comes last)."""
    import numpy as np

    def prepare(rec) -> None:
        d = np.asarray(distances([path_of_id[int(i)] for i in rec.index.ids]), np.float64)
        sim = np.where(np.isfinite(d), -d, -1e30)
        swap_hybrid_scores(rec, lambda q: sim[q].mean(axis=0))

    return prepare


def peer_distances(name: str, db: str, paths: list[str]):
    """``(distances(paths) -> [n, n], {path: reason it is left out})`` for one peer.

    * bliss — ``Song(path).analysis`` (bliss-audio), Euclidean, unstandardised, as
      bliss-rs ranks; cached in ``<db>.bliss.npz``.
    * musicnn — the stored embedding, cosine distance (AudioMuse-AI's ranking).
    * musly — single Gaussian over the MFCC frames, symmetrised KL; cached in
      ``<db>.musly.npz``.
    """
    import numpy as np

    from soundalike.library.store import Store

    if name == "bliss":
        feats, failed = bliss_features(paths, db + ".bliss.npz")

        def dist(ps):
            dim = len(next(iter(feats.values())))
            x = np.array([feats.get(p, np.full(dim, np.nan)) for p in ps])
            d = np.sqrt(np.maximum(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1), 0.0))
            return np.where(np.isnan(d), np.inf, d)
    elif name == "musicnn":
        with Store(db) as store:
            emb = {p: np.asarray(a.embedding, np.float64) for p, a in store.analyses_with_paths()}
        failed = {p: "no stored embedding" for p in paths if p not in emb}

        def dist(ps):
            x = np.array([emb[p] for p in ps])
            x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-12
            return 1.0 - x @ x.T
    elif name == "musly":
        gauss, failed = musly_gaussians(paths, db + ".musly.npz")

        def dist(ps):
            ok = [i for i, p in enumerate(ps) if p in gauss]
            d = np.full((len(ps), len(ps)), np.inf)
            mu = np.array([gauss[ps[i]][0] for i in ok])
            cov = np.array([gauss[ps[i]][1] for i in ok])
            d[np.ix_(ok, ok)] = symmetric_kl(mu, cov)
            return d
    else:
        raise ValueError(name)
    return dist, failed


def evaluate(db: str, rows: list[dict], *, weights: dict | None = None, ks=(5, 10),
             methods=("seed", "hybrid"), prepare=None, skip=frozenset()) -> dict:
    """Precision@k, cap/duplicate violations and the supplementary measures per method.

    *prepare*, if given, is called with the built ``Recommender`` before any query
    (experiments use it to swap the scoring; :func:`peer_prepare` ranks by a peer).
    Tracks whose path is in *skip* are never queries (they may still be results).
    """
    import dataclasses

    from soundalike.engine.filters import Filters, violations
    from soundalike.library.recommend.recommender import Recommender
    from soundalike.library.recommend.results import track_meta
    from soundalike.library.store import Store

    by_path = {r["path"]: r for r in rows}

    def meta_for(track):
        m = track_meta(track)
        r = by_path.get(track.path)
        if r is None:
            return dataclasses.replace(m, genre=OUTSIDE)
        return dataclasses.replace(m, artist=r["artist"], albumartist="")

    out = {}
    with Store(db) as store:
        rec = Recommender(store, weights=weights, meta_for=meta_for, persist_model=False)
        if rec.size == 0:
            raise SystemExit("quality: no track could be analysed")
        if prepare is not None:
            prepare(rec)
        queries = []
        for t in store.get_tracks(int(i) for i in rec.index.ids):
            if t.path in by_path and t.path not in skip:
                queries.append((t.id, by_path[t.path]["group"]))
        group_of = {t.id: by_path[t.path]["group"] for t in store.get_tracks(
            int(i) for i in rec.index.ids) if t.path in by_path}
        kmax = max(ks)
        # the protocol's caps are hard (strict_caps): lists are never topped up past them
        eval_filters = Filters(exclude_query_artist=True, exclude_genres=(OUTSIDE,),
                               strict_caps=True)
        plain = Filters(exclude_genres=(OUTSIDE,), strict_caps=True)
        raw = Filters(max_per_artist=None, max_per_album=None, dedupe=False,
                      exclude_genres=(OUTSIDE,))
        nocap = Filters(max_per_artist=None, max_per_album=None, exclude_genres=(OUTSIDE,))
        path_of = {t.id: t.path for t in store.get_tracks(int(i) for i in rec.index.ids)}
        pieces = piece_of(rows)
        piece_id = {tid: pieces[p] for tid, p in path_of.items() if p in pieces}
        versions: dict[str, set[int]] = defaultdict(set)
        for tid, k in piece_id.items():
            versions[k].add(tid)
        variant_q = [(tid, versions[k] - {tid}) for tid, k in piece_id.items()
                     if len(versions[k]) > 1 and path_of[tid] not in skip]
        merged_pairs = sum(rec.meta.is_duplicate(rec.index.position(a), rec.index.position(b),
                                                 nocap.duplicate_seconds)
                           for a, rel in variant_q for b in rel if a < b)
        artist_of = {tid: by_path[p]["artist"] for tid, p in path_of.items() if p in by_path}
        per_artist: dict[str, int] = defaultdict(int)
        for a in artist_of.values():
            per_artist[a] += 1
        artist_q = [t for t, a in artist_of.items()
                    if a and per_artist[a] > 1 and path_of[t] not in skip]
        for method in methods:
            prec = {k: [] for k in ks}
            per_group: dict[str, list[float]] = defaultdict(list)
            broken = {"filtered": 0, "unfiltered": 0}
            short = 0
            for tid, group in queries:
                res = rec.similar(tid, kmax, method=method, filters=eval_filters, explain=False)
                hits = [group_of.get(r.track.id) == group for r in res]
                short += len(res) < kmax
                for k in ks:
                    prec[k].append(sum(hits[:k]) / k)
                per_group[group].append(sum(hits[:kmax]) / kmax)
                q = [rec.index.position(tid)]
                for name, f in (("filtered", plain), ("unfiltered", raw)):
                    lst = rec.similar(tid, kmax, method=method, filters=f, explain=False)
                    pos = [rec.index.position(r.track.id) for r in lst]
                    v = violations(rec.meta, pos, plain, query=q)
                    broken[name] += any(v.values())
            sup: dict = {}
            if variant_q:
                rr, rc = zip(*(rank_measures(
                    [r.track.id for r in rec.similar(tid, rec.size, method=method,
                                                     filters=nocap, explain=False)], rel, kmax)
                    for tid, rel in variant_q), strict=True)
                sup.update({"variant_mrr": sum(rr) / len(rr), "variant_recall10": sum(rc) / len(rc),
                            "variant_queries": len(rr), "variant_merged_pairs": merged_pairs,
                            "per_query_variant_rr": list(rr)})
            if artist_q:
                pa = [sum(artist_of.get(r.track.id) == artist_of[tid] for r in rec.similar(
                    tid, kmax, method=method, filters=nocap, explain=False)) / kmax
                    for tid in artist_q]
                sup.update({"artist_P@10": sum(pa) / len(pa), "artist_queries": len(pa),
                            "per_query_artist_p10": pa,
                            "artist_query_paths": [path_of[t] for t in artist_q]})
            out[method] = {
                **sup,
                **{f"P@{k}": sum(v) / len(v) for k, v in prec.items()},
                "per_query_p10": prec[kmax],
                "query_paths": [path_of[t] for t, _ in queries],
                "queries": len(queries), "short_lists": short,
                "broken_filtered": broken["filtered"], "broken_unfiltered": broken["unfiltered"],
                "per_group": {g: sum(v) / len(v) for g, v in sorted(per_group.items())},
            }
        # the best any method could do under the same filters: same-group tracks first
        from soundalike.engine.filters import ResultFilter

        pos_group = [group_of.get(int(i)) for i in rec.index.ids]
        prec = {k: [] for k in ks}
        for tid, group in queries:
            rf = ResultFilter(rec.meta, eval_filters, query=[rec.index.position(tid)])
            order = sorted(range(len(pos_group)), key=lambda p: pos_group[p] != group)
            acc = []
            for p in order:
                if rf.accept(p):
                    acc.append(p)
                    if len(acc) == kmax:
                        break
            for k in ks:
                prec[k].append(sum(pos_group[p] == group for p in acc[:k]) / k)
        out["_ceiling"] = {f"P@{k}": sum(v) / len(v) for k, v in prec.items()}
        out["_info"] = {"tracks": rec.size, "dims": rec.model.dims,
                        "explained_variance": rec.model.explained_variance}
    return out


def paired_bootstrap(a: list[float], b: list[float], *, rounds: int = 2000,
                     seed: int = 0) -> tuple[float, float]:
    """95 % interval of mean(a − b), resampling queries with replacement."""
    import numpy as np

    d = np.asarray(a) - np.asarray(b)
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), (rounds, len(d)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def print_supplementary(results: list[tuple[str, dict]]) -> None:
    """The variant and same-artist measures (no artist exclusion, no caps, dedupe on)."""
    have_v = any("variant_mrr" in r for _, r in results)
    have_a = any("artist_P@10" in r for _, r in results)
    if not (have_v or have_a):
        return
    first = results[0][1]
    print("\nsupplementary (query's artist allowed, no per-artist/album caps, duplicates removed)")
    if have_v:
        print(f"variants: {first['variant_queries']} queries; version pairs merged by the "
              f"duplicate rule: {first['variant_merged_pairs']}")
    if have_a:
        print(f"same artist: {first['artist_queries']} queries")
    print(f"{'method':<20} {'var MRR':>7} {'var R@10':>8} {'artist P@10':>11}")
    for name, r in results:
        v = (f"{r['variant_mrr']:>7.3f} {r['variant_recall10']:>8.3f}" if "variant_mrr" in r
             else f"{'—':>7} {'—':>8}")
        a = f"{r['artist_P@10']:>11.3f}" if "artist_P@10" in r else f"{'—':>11}"
        print(f"{name:<20} {v} {a}")


PEERS = ("bliss", "musicnn", "musly")


def print_peers(db: str, rows: list[dict], result: dict) -> None:
    """The peers' rows, same filters and measures, each with hybrid − peer intervals.

    A file a peer cannot read is left out of that peer's queries (and of the hybrid
    figures it is paired with); it stays a possible result of the other methods, and
    comes last in the peer's own ranking.
    """
    from soundalike.library.store import Store

    with Store(db) as store:
        path_of_id = {a.track_id: p for p, a in store.analyses_with_paths()}
    paths = list(path_of_id.values())
    in_manifest = {r["path"] for r in rows}
    table = [("hybrid", result["hybrid"], None), ("seed", result["seed"], result["hybrid"])]
    left_out = {}
    for name in PEERS:
        dist, failed = peer_distances(name, db, paths)
        skip = frozenset(p for p in failed if p in in_manifest)
        left_out[name] = {p: failed[p] for p in sorted(skip)}
        r = evaluate(db, rows, prepare=peer_prepare(dist, path_of_id), methods=("hybrid",),
                     skip=skip)["hybrid"]
        ref = (evaluate(db, rows, methods=("hybrid",), skip=skip)["hybrid"] if skip
               else result["hybrid"])
        table.append((name, r, ref))
    print("\npeers (same filters: query's artist excluded, caps 2/artist 2/album, duplicates "
          "removed; same-artist P@10 without exclusion or caps)")
    print(f"{'method':<10} {'P@5':>6} {'P@10':>6} {'queries':>7} {'artist P@10':>11} "
          f"{'hybrid − peer P@10 (95% CI)':>30} {'hybrid − peer artist (95% CI)':>30}")
    for name, r, ref in table:
        line = (f"{name:<10} {r['P@5']:>6.3f} {r['P@10']:>6.3f} {r['queries']:>7} "
                f"{r.get('artist_P@10', float('nan')):>11.3f}")
        if ref is not None:
            d = ref["P@10"] - r["P@10"]
            lo, hi = paired_bootstrap(ref["per_query_p10"], r["per_query_p10"])
            da = ref["artist_P@10"] - r["artist_P@10"]
            alo, ahi = paired_bootstrap(ref["per_query_artist_p10"], r["per_query_artist_p10"])
            line += (f" {f'{d:+.3f} ({lo:+.3f} … {hi:+.3f})':>30}"
                     f" {f'{da:+.3f} ({alo:+.3f} … {ahi:+.3f})':>30}")
        print(line)
    for name, files in left_out.items():
        for p, why in files.items():
            print(f"{name} left out: {p} ({why.splitlines()[0][:100]})")


def print_baseline(baseline_db: str, rows: list[dict], result: dict) -> None:
    """Hybrid on *baseline_db* (another analysis of the same files, e.g. an older analysis
    version) against this database's hybrid, paired per query (matched by path)."""
    base = evaluate(baseline_db, rows, methods=("hybrid",))
    base.pop("_info", None)
    b, h = base["hybrid"], result["hybrid"]

    def paired(key: str, paths_key: str) -> tuple[float, float, float, int]:
        mine = dict(zip(h[paths_key], h[key], strict=True))
        theirs = dict(zip(b[paths_key], b[key], strict=True))
        common = [p for p in mine if p in theirs]
        x, y = [mine[p] for p in common], [theirs[p] for p in common]
        lo, hi = paired_bootstrap(x, y)
        return (sum(x) - sum(y)) / len(common), lo, hi, len(common)

    d, lo, hi, n = paired("per_query_p10", "query_paths")
    da, alo, ahi, na = paired("per_query_artist_p10", "artist_query_paths")
    print(f"\nbaseline {baseline_db}: hybrid P@5 {b['P@5']:.3f} P@10 {b['P@10']:.3f} "
          f"same-artist P@10 {b['artist_P@10']:.3f}")
    print(f"hybrid − baseline P@10: {d:+.3f} (95% paired-bootstrap interval {lo:+.3f} … "
          f"{hi:+.3f}, {n} queries); same-artist P@10: {da:+.3f} ({alo:+.3f} … {ahi:+.3f}, "
          f"{na} queries)")


def analysed_manifest(args, tool: str, **read_options):
    """The manifest's rows read (``--manifest``, ``--path-col``, ``--group-col``,
    ``--artist-col``, ``--resolve``; skipped rows told on stderr) and their files scanned and
    analysed into ``--db`` (a temporary database without it): ``(rows, db path, the
    TemporaryDirectory or None, analysis start, analysis end)`` (``time.monotonic``), or
    None (told on stderr) when fewer than two rows are usable."""
    rows, problems = read_manifest(args.manifest, path_col=args.path_col,
                                   group_col=args.group_col, artist_col=args.artist_col,
                                   resolve=args.resolve, **read_options)
    for p in problems[:20]:
        print(f"{tool}: skipped {p}", file=sys.stderr)
    if len(problems) > 20:
        print(f"{tool}: … and {len(problems) - 20} more skipped rows", file=sys.stderr)
    if len(rows) < 2:
        print(f"{tool}: fewer than two usable rows in the manifest", file=sys.stderr)
        return None
    tmp = None
    db = args.db
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix=f"soundalike-{tool}-")
        db = os.path.join(tmp.name, "eval.db")
    t0 = time.monotonic()
    scan_and_analyse(db, [r["path"] for r in rows], args.workers)
    return rows, db, tmp, t0, time.monotonic()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", required=True, type=Path)
    ap.add_argument("--db", help="evaluation database (default: a temporary one)")
    ap.add_argument("--path-col", default="path")
    ap.add_argument("--group-col", default="group")
    ap.add_argument("--artist-col", default="artist",
                    help="column, or several as 'a|b' (first non-empty wins)")
    ap.add_argument("--variant-col", default="variant_of",
                    help="column naming the piece a row is a version of (optional)")
    ap.add_argument("--resolve", choices=("debian-games",),
                    help="map development-corpus paths (see the module docstring)")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--variants", action="store_true",
                    help="also evaluate hybrid with other block weights")
    ap.add_argument("--per-group", action="store_true", help="print P@10 per group")
    ap.add_argument("--peers", action="store_true",
                    help="also score bliss, musicnn and musly (see the module docstring)")
    ap.add_argument("--baseline-db",
                    help="also score hybrid on this other analysis of the same files (e.g. "
                         "an older analysis version) and print the paired difference")
    args = ap.parse_args(argv)

    ready = analysed_manifest(args, "quality", variant_col=args.variant_col)
    if ready is None:
        return 2
    rows, db, tmp, t0, t1 = ready
    result = evaluate(db, rows)
    t2 = time.monotonic()
    info = result.pop("_info")
    ceiling = result.pop("_ceiling")
    groups = len({r["group"] for r in rows})
    print(f"manifest: {args.manifest} — {len(rows)} tracks, {groups} groups, "
          f"{len({r['artist'] for r in rows if r['artist']})} artists; indexed {info['tracks']}; "
          f"vector dims {info['dims']} ({info['explained_variance']:.1%} variance kept)")
    print(f"analysis {t1 - t0:.0f} s, evaluation {t2 - t1:.1f} s; results exclude the query's "
          "artist; caps 2/artist, 2/album")
    variants = {}
    if args.variants:
        for name, w in (("emb only", {"embedding": 1, "tags": 0, "dsp": 0}),
                        ("tags only", {"embedding": 0, "tags": 1, "dsp": 0}),
                        ("dsp only", {"embedding": 0, "tags": 0, "dsp": 1}),
                        ("emb+tags", {"embedding": 0.7, "tags": 0.3, "dsp": 0}),
                        ("equal", {"embedding": 1, "tags": 1, "dsp": 1})):
            variants[f"hybrid[{name}]"] = evaluate(db, rows, weights=w,
                                                   methods=("hybrid",))["hybrid"]
    header = (f"{'method':<20} {'P@5':>6} {'P@10':>6} {'queries':>7} {'short':>5} "
              f"{'broken(filtered)':>16} {'broken(unfiltered)':>18}")
    print(header)
    print("-" * len(header))
    for name, r in list(result.items()) + list(variants.items()):
        print(f"{name:<20} {r['P@5']:>6.3f} {r['P@10']:>6.3f} {r['queries']:>7} "
              f"{r['short_lists']:>5} {r['broken_filtered']:>16} {r['broken_unfiltered']:>18}")
    print(f"{'(best possible)':<20} {ceiling['P@5']:>6.3f} {ceiling['P@10']:>6.3f}"
          "   ← same-group tracks first, same filters")
    if args.per_group:
        print(f"\n{'group (P@10)':<40} {'seed':>6} {'hybrid':>6}")
        for g in result["hybrid"]["per_group"]:
            print(f"{g[:40]:<40} {result['seed']['per_group'][g]:>6.3f} "
                  f"{result['hybrid']['per_group'][g]:>6.3f}")
    print_supplementary(list(result.items()) + list(variants.items()))
    if args.peers:
        print_peers(db, rows, result)
    if args.baseline_db:
        print_baseline(args.baseline_db, rows, result)
    lo, hi = paired_bootstrap(result["hybrid"]["per_query_p10"], result["seed"]["per_query_p10"])
    print(f"hybrid − seed P@10: {result['hybrid']['P@10'] - result['seed']['P@10']:+.3f} "
          f"(95% paired-bootstrap interval over queries {lo:+.3f} … {hi:+.3f})")
    print(f"hybrid P@10={result['hybrid']['P@10']:.3f} seed P@10={result['seed']['P@10']:.3f}")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
