"""Measure the shipped tagger on the development corpus (weakly labelled game music).

Runs in the project venv with the runtime code path (engine.audio.load excerpts →
engine.cnn.TagModel, one thread)::

    .venv/bin/python tools/evaluate_corpus.py [--corpus /work/corpus] [--cache FILE]

Reports, against the corpus's coarse ``style`` labels (dev.csv):

* top-genre agreement: the argmax of :func:`genre_vector` falls in a genre family the
  style names (only styles that name an MSD genre family are scored: orchestral music
  has no MSD genre tag, and MIXED styles are not labels), next to the best constant
  guess on the same tracks;
* nearest-neighbour style agreement of the 200-d embedding (cosine), next to the
  chance rate of a random neighbour, and the same for the 50 tag probabilities.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from soundalike.engine import audio, cnn
from soundalike.engine.errors import SoundalikeError

FAMILIES = {
    "electronic": {"electronic", "electronica", "electro", "dance", "House"},
    "ambient": {"ambient"},
    "rock/metal": {
        "rock", "metal", "heavy metal", "hard rock", "alternative rock", "classic rock",
        "Progressive rock", "punk", "indie rock", "alternative",
    },
}  # fmt: skip
#: style label → genre families that count as agreeing (styles absent here are not scored)
STYLE_FAMILIES = {
    "space-ambient/orchestral": {"ambient"},
    "electronic-ambient-scifi": {"ambient", "electronic"},
    "ambient/electronic": {"ambient", "electronic"},
    "ambient-electronic": {"ambient", "electronic"},
    "electronic-industrial/techno": {"electronic"},
    "electronic": {"electronic"},
    "retro-game/chiptune-ish": {"electronic"},
    "metal/rock": {"rock/metal"},
    "metal": {"rock/metal"},
}


def family_of(genre: str) -> str:
    return next((f for f, gs in FAMILIES.items() if genre in gs), "other")


def real_path(corpus: Path, rel: str, listed: list[str]) -> Path:
    """Map a dev.csv path to the extracted file (tracks.txt is the truth when they differ)."""
    package, rest = rel.split("/", 2)[1:]
    for mid in ("usr/share/games", "usr/share"):
        p = corpus / "x" / package / mid / rest
        if p.is_file():
            return p
    mine = [t for t in listed if t.startswith(f"x/{package}/")]
    parts = Path(rest).parts
    by_name = [t for t in mine if Path(t).name == parts[-1]]  # moved
    by_folder = [t for t in mine if Path(t).parent.name == parts[-2]]  # re-encoded song
    for found in (by_name, by_folder):
        if len(found) == 1:
            return corpus / found[0]
    return corpus / "x" / package / "usr/share/games" / rest


def analyse(corpus: Path, rows: list[dict]) -> tuple[np.ndarray, np.ndarray, list[int], float]:
    model = cnn.TagModel(threads=1)
    listed = (corpus / "tracks.txt").read_text().splitlines()
    tags, embs, ok, cnn_s = [], [], [], 0.0
    for i, row in enumerate(rows):
        try:
            a = audio.load(real_path(corpus, row["path"], listed))
            t0 = time.perf_counter()
            t, e = model.predict(a.segments, a.sr)
            cnn_s += time.perf_counter() - t0
        except SoundalikeError as exc:
            print(f"skip {row['path']}: {exc}", file=sys.stderr)
            continue
        tags.append(t)
        embs.append(e)
        ok.append(i)
        if (i + 1) % 25 == 0:
            print(f"{i + 1}/{len(rows)}", file=sys.stderr)
    return np.array(tags), np.array(embs), ok, cnn_s


def nn_agreement(x: np.ndarray, labels: list[str]) -> tuple[float, float]:
    """Share of tracks whose cosine nearest neighbour has the same label; chance rate."""
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    sim = x @ x.T
    np.fill_diagonal(sim, -np.inf)
    nn = sim.argmax(axis=1)
    hit = np.mean([labels[i] == labels[j] for i, j in enumerate(nn)])
    counts = Counter(labels)
    n = len(labels)
    chance = sum(c * (c - 1) for c in counts.values()) / (n * (n - 1))
    return float(hit), float(chance)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path("/work/corpus"))
    ap.add_argument("--cache", type=Path, default=None, help="npz to reuse/save outputs")
    args = ap.parse_args(argv)
    rows = list(csv.DictReader((args.corpus / "dev.csv").open(newline="")))

    if args.cache and args.cache.is_file():
        z = np.load(args.cache)
        tags, embs, ok, cnn_s = z["tags"], z["embs"], list(z["ok"]), float(z["cnn_s"])
    else:
        t0 = time.perf_counter()
        tags, embs, ok, cnn_s = analyse(args.corpus, rows)
        print(f"analysed {len(ok)} tracks in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        if args.cache:
            np.savez(args.cache, tags=tags, embs=embs, ok=np.array(ok), cnn_s=cnn_s)
    rows = [rows[i] for i in ok]
    styles = [r["style"] for r in rows]
    print(f"tracks analysed: {len(rows)}; CNN time {cnn_s:.1f} s ({cnn_s / len(rows):.2f} s/track)")

    genres = cnn.genre_vector(tags)
    top = [cnn.GENRE_LABELS[i] for i in genres.argmax(axis=1)]
    top3 = [[cnn.GENRE_LABELS[i] for i in np.argsort(-g)[:3]] for g in genres]
    print("top genre over all tracks:", Counter(top).most_common(8))
    scored = [i for i, s in enumerate(styles) if s in STYLE_FAMILIES]
    hit1 = np.mean([family_of(top[i]) in STYLE_FAMILIES[styles[i]] for i in scored])
    hit3 = np.mean(
        [any(family_of(g) in STYLE_FAMILIES[styles[i]] for g in top3[i]) for i in scored]
    )
    const = {
        f: np.mean([f in STYLE_FAMILIES[styles[i]] for i in scored]) for f in FAMILIES
    }  # fmt: skip
    best = max(const, key=const.get)
    print(
        f"top-genre family agreement on {len(scored)} scorable tracks: top-1 {hit1:.1%}, "
        f"top-3 {hit3:.1%}; best constant guess ('{best}') {const[best]:.1%}"
    )
    # Styles naming exactly one family: per-family recall and its mean (balanced accuracy,
    # chance = 1 / number of families), which a constant guess cannot inflate.
    single = [i for i in scored if len(STYLE_FAMILIES[styles[i]]) == 1]
    recalls = {}
    for fam in FAMILIES:
        idx = [i for i in single if STYLE_FAMILIES[styles[i]] == {fam}]
        if idx:
            recalls[fam] = np.mean([family_of(top[i]) == fam for i in idx])
            print(f"  recall '{fam}': {recalls[fam]:.1%} of {len(idx)} single-family tracks")
    print(
        f"balanced top-1 family accuracy on {len(single)} single-family tracks: "
        f"{np.mean(list(recalls.values())):.1%} (chance {1 / len(recalls):.1%})"
    )
    for style in STYLE_FAMILIES:
        idx = [i for i in scored if styles[i] == style]
        if idx:
            fams = Counter(family_of(top[i]) for i in idx).most_common()
            print(f"  {style:32s} n={len(idx):3d} top-1 families {fams}")
    for name, x in (("embedding", embs), ("tags", tags)):
        hit, chance = nn_agreement(x, styles)
        print(f"nearest neighbour ({name}) has the same style: {hit:.1%} (chance {chance:.1%})")
    hit, chance = nn_agreement(embs, [r["composer"] for r in rows])
    print(f"nearest neighbour (embedding) has the same composer: {hit:.1%} (chance {chance:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
