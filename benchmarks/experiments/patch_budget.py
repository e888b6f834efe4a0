"""Experiment (issue 10, part 2): the CNN patch budget, measured.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python \\
        benchmarks/experiments/patch_budget.py --manifest /work/corpus/dev.csv \\
        --group-col style --artist-col 'composer|package' --resolve debian-games \\
        --work /tmp/patch_budget

Pre-registered (this docstring was committed before any run; nothing below is tuned
afterwards).

Hypothesis. Today every track costs 12 CNN patches: 3 excerpts × 12 s centred at 23 / 50 /
77 % of the track, each cut into 4 non-overlapping 3-s patches, tags and embedding = the
mean over the 12. Patches inside one excerpt are strongly correlated, so the track mean
should be nearly as good from far fewer of them; quality (artist-filtered "same style"
hybrid P@10, same-artist P@10) is expected to be flat down to about one patch per excerpt
(3) and to drop below that. Shrinking the decoded excerpts too (the DSP features then see
less audio) may cost more, mainly through the tempo estimate.

Recipe.

* Manifest and labels exactly as ``benchmarks/quality.py`` reads them
  (``quality.read_manifest`` with the options above; dev corpus, 262 tracks).
* The engine (``engine.audio``, ``engine.dsp``, ``engine.cnn``) is imported once at the
  start; the shipped model file is copied to ``--work`` first and that copy is loaded
  (its SHA-256 is printed), so concurrent edits to the tree do not enter the run.
* Decode pass "12 s" (today): ``audio.load(path)`` (defaults: 3 × 12 s), ``dsp.features``
  on its segments, and for each non-empty segment ``cnn.patches(cnn.log_mel(seg))``; all
  patches of the track go through ``TagModel.predict_patches`` once. Kept per patch: tags
  [50], embedding [200], excerpt index, index within the excerpt. Passes "6 s" and "3 s"
  do the same with ``audio.load(path, excerpt_seconds=6)`` / ``=3`` (same 3 centres).
  Per track and pass the CPU time (``time.process_time``, one process, one thread) of
  decode, DSP, log-mel front end and interpreter is recorded. Everything is cached in
  ``--work/cache.npz``; a rerun with the cache present recomputes nothing but the
  evaluation. A track that fails to decode in any pass is left out of every plan.
* Plans. A plan picks excerpts and, within each picked excerpt of n patches, patches;
  the track's tags and embedding are the float64 mean over the picked patches (as
  ``TagModel.predict``). For the usual layout (3 excerpts × 4 patches):

  ====== ====================================== ======== =========================
  plan   patches averaged                        patches  decode + DSP
  ====== ====================================== ======== =========================
  P12    all (today)                             12       3 × 12 s
  P9     first three of each excerpt             9        3 × 12 s
  P6     middle two of each excerpt (#1, #2)     6        3 × 12 s
  P3     central patch of each excerpt (#2)      3        3 × 12 s
  P2     central patch of excerpts 1 and 3       2        3 × 12 s
  P1     central patch of the middle excerpt     1        3 × 12 s
  J6     "3 × 6 s": all patches of pass 6 s       6        3 × 6 s (DSP on those)
  J3     "3 × 3 s": all patches of pass 3 s       3        3 × 3 s (DSP on those)
  ====== ====================================== ======== =========================

  Patch numbers are 0-based; "central" = ``n // 2`` (for n = 4 the patch that starts at
  the excerpt's centre). General rule, used for the few tracks decoded whole (shorter
  than 45 s: one segment of any length): excerpts "all" / "first and last" / "middle"
  (``len // 2``); within an excerpt "first three" = the first max(1, ⌈3n/4⌉), "middle
  two" = the middle max(1, n // 2), "central" = ``n // 2``. The DSP features of P1…P12
  are those of pass 12 s, unchanged.
  Diagnostics, not decision inputs: J6-cnn / J3-cnn = the CNN of pass 6 s / 3 s with the
  DSP features of pass 12 s (separates the CNN effect from the DSP effect).
* Evaluation. The manifest's files are scanned (``Scanner.scan_file``, no analysis) into
  a base database; per plan a copy of it gets every track's row by
  ``Store.save_analysis(version=ANALYSIS_VERSION, features, tags, embedding, duration)``,
  then ``quality.evaluate(db, rows)`` — the quality protocol unchanged (hybrid, default
  weights; the query's artist excluded; caps 2/artist, 2/album).

Metrics. Primary: hybrid P@10 (artist-filtered, same ``style``). Co-primary: same-artist
P@10 (supplementary measure of ``quality.evaluate``). Reported, not decisive: variant MRR
(8 queries), seed P@10. Intervals: ``quality.paired_bootstrap`` (95 %, 2000 rounds,
seed 0, resampling queries), of plan − P12 in the table and of plan − best for the rule.

Cost. Per plan, CPU ms per track = decode + DSP (mean over tracks, measured in the plan's
decode pass) + patches per track × (log-mel ms per patch + interpreter ms per patch), the
per-patch rates measured in pass 12 s of this run (total CPU ÷ total patches). The CNN
column is the last term alone.

Decision rule. "best" = the plan among P12, P9, P6, P3, P2, P1, J6, J3 with the highest
hybrid P@10. A plan is *within noise of the best* when, for hybrid P@10 and for
same-artist P@10 each, the difference plan − best has a point estimate ≥ −0.010 and a
95 % paired-bootstrap interval whose upper end is ≥ 0 (not significantly worse). Ship the
cheapest plan within noise of the best, cheapest by the CPU ms per track above (ties:
fewer patches). If that is P12 nothing changes.

Caveat fixed in advance: the dev corpus is the only labelled data here; there is no
held-out set, so the recommendation rests on these 262 tracks (250 same-artist queries)
and eight comparisons against one best, with no correction for multiplicity.
"""
