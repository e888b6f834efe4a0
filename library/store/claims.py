"""The ``analysis_claims`` table: which analyser is working on which track, until when.

Several analysers may share one library (the desktop app, ``soundalike watch``, one or more
``soundalike analyze``). Before a track goes to a worker, its analyser claims it here in a
short ``BEGIN IMMEDIATE`` transaction, so two analysers never work on the same track at
once. A claim names its owner (:mod:`soundalike.library.analysis.owner`), the track's
fingerprint when it was claimed and a lease (``expires_at``) that the owner renews while it
works. A claim is free again when its lease has run out or its owner is known to be dead
(same host: the process is gone), so the claims of a killed analyser are taken over. Saving
a result (or a
failure) releases the claim in the same transaction; a result for a file that changed while
it was being analysed (another fingerprint now) is dropped and the track stays pending.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from enum import StrEnum

from soundalike.library.model.states import TrackStatus
from soundalike.library.model.track import Track
from soundalike.library.store.tracks import NEEDS_ANALYSIS, TRACK_SELECT_T

#: ``alive(owner key)`` → True, False (dead: its claims are free) or None (cannot tell).
Alive = Callable[[str], "bool | None"]


class Claim(StrEnum):
    """What :meth:`ClaimsMixin.claim_for_analysis` did."""

    CLAIMED = "claimed"        # the track is this owner's to analyse now
    HELD = "held"              # another live analyser is working on it
    NOT_PENDING = "not-pending"  # analysed (or missing, failed, gone) meanwhile


class ClaimsMixin:
    def claim_for_analysis(self, track_id: int, version: int, owner: str, lease_s: float, *,
                           alive: Alive | None = None) -> Claim:
        """Claim *track_id* for *owner* for *lease_s* seconds if it still needs analysis
        with *version* and nobody else holds a live claim on it."""
        now = time.time()
        with self.transaction():
            row = self._one("SELECT owner, expires_at FROM analysis_claims WHERE track_id = ?",
                            (track_id,))
            if (row is not None and row[0] != owner and row[1] > now
                    and (alive is None or alive(row[0]) is not False)):
                return Claim.HELD
            track = self._named_one(f"SELECT t.fingerprint FROM tracks t WHERE t.id = :id AND "
                                    f"{NEEDS_ANALYSIS}", id=track_id, version=int(version))
            if row is not None:
                self._db.execute("DELETE FROM analysis_claims WHERE track_id = ?", (track_id,))
            if track is None:
                return Claim.NOT_PENDING
            self._db.execute("INSERT INTO analysis_claims(track_id, owner, fingerprint, "
                             "claimed_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                             (track_id, owner, track[0], now, now + lease_s))
        return Claim.CLAIMED

    def renew_claims(self, owner: str, lease_s: float) -> int:
        """Extend every claim of *owner* to *lease_s* seconds from now; how many it holds."""
        with self.transaction():
            return self._db.execute("UPDATE analysis_claims SET expires_at = ? WHERE owner = ?",
                                    (time.time() + lease_s, owner)).rowcount

    def release_claims(self, owner: str, track_ids: Iterable[int] | None = None) -> int:
        """Drop *owner*'s claims (on *track_ids* only, if given); how many went."""
        with self.transaction():
            if track_ids is None:
                return self._db.execute("DELETE FROM analysis_claims WHERE owner = ?",
                                        (owner,)).rowcount
            return self._db.executemany(
                "DELETE FROM analysis_claims WHERE owner = ? AND track_id = ?",
                [(owner, int(t)) for t in track_ids]).rowcount

    def reap_claims(self, alive: Alive | None = None) -> int:
        """Delete claims whose lease ran out or whose owner *alive* says is dead."""
        now = time.time()
        dead = [] if alive is None else [
            o for (o,) in self._all("SELECT DISTINCT owner FROM analysis_claims "
                                    "WHERE expires_at > ?", (now,)) if alive(o) is False]
        if not dead and not self._one("SELECT 1 FROM analysis_claims WHERE expires_at <= ? "
                                      "LIMIT 1", (now,)):
            return 0  # nothing to do: no write transaction
        with self.transaction():
            n = self._db.execute("DELETE FROM analysis_claims WHERE expires_at <= ?",
                                 (now,)).rowcount
            for o in dead:
                n += self._db.execute("DELETE FROM analysis_claims WHERE owner = ?",
                                      (o,)).rowcount
        return n

    def claims(self) -> list[tuple[int, str, float]]:
        """``(track id, owner, expires_at)`` of every claim, by track id."""
        return [(int(t), o, float(e)) for t, o, e in self._all(
            "SELECT track_id, owner, expires_at FROM analysis_claims ORDER BY track_id")]

    def pending_unclaimed(self, version: int, owner: str) -> list[Track]:
        """:meth:`pending_for_analysis` without the tracks another owner holds a live claim
        on (run :meth:`reap_claims` first to free the claims of dead owners)."""
        return [self._track(r) for r in self._named_all(
            f"{TRACK_SELECT_T} FROM tracks t WHERE {NEEDS_ANALYSIS} AND NOT EXISTS "
            "(SELECT 1 FROM analysis_claims c WHERE c.track_id = t.id AND c.owner != :owner "
            "AND c.expires_at > :now) ORDER BY t.id",
            version=int(version), owner=owner, now=time.time())]

    def held_elsewhere(self, version: int, owner: str) -> list[tuple[int, str, float]]:
        """``(track id, owner, expires_at)`` of tracks needing analysis that another owner
        holds a live claim on."""
        return [(int(t), o, float(e)) for t, o, e in self._named_all(
            "SELECT c.track_id, c.owner, c.expires_at FROM analysis_claims c "
            f"JOIN tracks t ON t.id = c.track_id WHERE {NEEDS_ANALYSIS} "
            "AND c.owner != :owner AND c.expires_at > :now ORDER BY c.track_id",
            version=int(version), owner=owner, now=time.time())]

    def _named_all(self, sql: str, **params) -> list[tuple]:
        params.update(pending=TrackStatus.PENDING, analysed=TrackStatus.ANALYSED)
        return self._db.execute(sql, params).fetchall()

    def _named_one(self, sql: str, **params) -> tuple | None:
        rows = self._named_all(sql, **params)
        return rows[0] if rows else None

    def _end_claim(self, track_id: int, owner: str | None) -> bool:
        """Inside a save's transaction: release *owner*'s claim on *track_id*; False when
        the track's file changed since it was claimed (the result is stale)."""
        if owner is None:
            return True
        row = self._one("SELECT c.fingerprint IS t.fingerprint FROM analysis_claims c "
                        "JOIN tracks t ON t.id = c.track_id WHERE c.track_id = ? "
                        "AND c.owner = ?", (track_id, owner))
        if row is None:
            return True  # claim lapsed and was taken over, or none: the result stands
        self._db.execute("DELETE FROM analysis_claims WHERE track_id = ? AND owner = ?",
                         (track_id, owner))
        return bool(row[0])
