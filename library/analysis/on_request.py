"""Analyse a few library tracks now, in this process, and keep the result (issue 23).

For a question about a song the background analysis has not reached yet ("songs like this
one", "a radio from this one"): each track is claimed like an analysis worker claims it
(:meth:`Store.claim_for_analysis`), so a running analyser never does it twice; one another
analyser holds is left to it. Results are saved as the workers save them.
"""

from __future__ import annotations

from collections.abc import Iterable

from soundalike.engine.errors import SoundalikeError
from soundalike.library.analysis import owner
from soundalike.library.store import Claim, Store

#: the claim's lease: longer than one file's analysis (the workers' default time limit)
LEASE_S = 180.0


def analyse_now(store: Store, track_ids: Iterable[int]) -> dict[int, str | None]:
    """Analyse the tracks among *track_ids* that still need it and nobody else is analysing.

    Returns ``{track id: None (analysed and saved) | reason (failed, saved as failed)}``
    for the tracks it analysed; the others are left out."""
    from soundalike.engine.analyze import ANALYSIS_VERSION, analyze_file, configure_default_model
    from soundalike.library.analysis.cnn_choice import cached_kernels

    me = owner.current().key
    done: dict[int, str | None] = {}
    for track_id in track_ids:
        if store.claim_for_analysis(int(track_id), ANALYSIS_VERSION, me, LEASE_S,
                                    alive=owner.alive) != Claim.CLAIMED:
            continue
        track = store.get_track(int(track_id))
        try:
            configure_default_model(kernels=cached_kernels(), threads=1)  # as similar_to_file
            r = analyze_file(track.path)
        except SoundalikeError as exc:
            store.save_failure(track.id, str(exc), owner=me)
            done[track.id] = str(exc)
            continue
        except BaseException:
            store.release_claims(me, [track.id])
            raise
        if store.save_analysis(track.id, version=r.version, features=r.features, tags=r.tags,
                               embedding=r.embedding, duration=r.duration,
                               mtt_tags=r.mtt_tags, mtt_embedding=r.mtt_embedding, owner=me):
            done[track.id] = None
    return done
