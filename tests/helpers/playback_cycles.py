"""Drive the real :class:`Player` through play → seek → pause → stop cycles::

    python playback_cycles.py FILE CYCLES

Run as a subprocess by tests/gui/test_gui_playback_threads.py, so that a deadlock
between Qt's playback threads and the GUI thread ends in a timeout there instead of
freezing the test run. Prints ``cycles: N`` when every cycle finished.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QDeadlineTimer, QEventLoop, QTimer  # noqa: E402
from PySide6.QtMultimedia import QMediaPlayer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from soundalike.gui.library_query import Row  # noqa: E402
from soundalike.gui.player import Player  # noqa: E402
from soundalike.gui.queue_model import QueueModel  # noqa: E402

State = QMediaPlayer.PlaybackState


def spin(ms: int) -> None:
    """Run the event loop for *ms* (QEventLoop.exec releases the GIL, as app.exec does)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(media: QMediaPlayer, state, limit_ms: int = 5000) -> None:
    deadline = QDeadlineTimer(limit_ms)
    while media.playbackState() != state:
        if deadline.hasExpired():
            raise SystemExit(f"the player never reached {state.name}")
        spin(5)


def main(path: str, cycles: int) -> None:
    app = QApplication.instance() or QApplication([])  # noqa: F841 - lives for the loop
    for i in range(cycles):
        # a new player each time, as each window gets one: the hang came with the
        # first stop() of a player that had played
        queue = QueueModel()
        queue.append([Row(1, path, "Cycle", "Tester", None, None, None, None, "analysed",
                          None, None, None)])
        player = Player(queue)
        player.play_row(0)
        wait_for(player.media, State.PlayingState)
        spin(10 + 7 * (i % 5))   # vary where in the renderer's work the next call lands
        player.seek(200 * (i % 4))
        player.pause()
        wait_for(player.media, State.PausedState)
        player.stop()
        wait_for(player.media, State.StoppedState)
        player.deleteLater()
        queue.deleteLater()
        spin(5)
    print(f"cycles: {cycles}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
