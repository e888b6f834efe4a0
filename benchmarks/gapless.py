"""The real gap between two consecutive tracks played by the real Player (issue 17, item 4).

    python benchmarks/gapless.py [--runs 5] [--leads 0,30,60]

Needs PulseAudio (``pulseaudio``, ``parec``; Debian: pulseaudio pulseaudio-utils). The
script starts its own daemon in a private runtime folder with a null sink (nothing else
on the machine sees it), points only itself at it (``PULSE_SERVER``), and records the
sink's monitor with ``parec`` while :class:`soundalike.gui.player.Player` plays two
generated WAV files back to back: A, 2 s of 500 Hz, then B, 2 s of 2 kHz, each starting
and ending at full level on a sample boundary (so any silence heard is the player's).

In the recording each tone is isolated by a band-pass filter; A's end is the last
millisecond its envelope is above half its median, B's start the first one for B. The gap
is B's start − A's end (negative: the two overlap). Modes, each ``--runs`` times:

* ``one deck`` — the old behaviour and the floor: at A's end of media the player loads B
  into the same QMediaPlayer and plays it (``gapless`` off);
* ``two decks, lead L`` — B is preloaded into the second QMediaPlayer and started L ms
  before A's end (``GAPLESS_LEAD_MS``; 0: at A's end of media).

Prints the median and range of the gap per mode; results in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

RATE = 48000
SECONDS = 2.0
FREQ_A, FREQ_B = 500.0, 2000.0


def write_tones(folder: Path) -> tuple[Path, Path]:
    t = np.arange(int(SECONDS * RATE)) / RATE
    a, b = folder / "a.wav", folder / "b.wav"
    sf.write(a, 0.5 * np.sin(2 * np.pi * FREQ_A * t), RATE, subtype="PCM_16")
    sf.write(b, 0.5 * np.sin(2 * np.pi * FREQ_B * t), RATE, subtype="PCM_16")
    return a, b


def start_pulse(runtime: Path) -> subprocess.Popen:
    runtime.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PULSE_RUNTIME_PATH=str(runtime), XDG_RUNTIME_DIR=str(runtime),
               HOME=str(runtime))
    socket = runtime / "native"
    proc = subprocess.Popen(
        ["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit",
         "--use-pid-file=no", "--system=false", "-n",
         f"--load=module-native-protocol-unix socket={socket} auth-anonymous=1",
         "--load=module-null-sink sink_name=bench rate=48000",
         "--load=module-always-sink"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if socket.exists():
            break
        time.sleep(0.05)
    else:
        proc.kill()
        raise SystemExit("PulseAudio did not start")
    os.environ["PULSE_SERVER"] = f"unix:{socket}"
    os.environ["PULSE_SINK"] = "bench"
    return proc


def envelope(y: np.ndarray, freq: float) -> np.ndarray:
    """1-ms envelope of the band around *freq*."""
    from scipy.signal import butter, sosfiltfilt

    sos = butter(4, [freq / 1.4, freq * 1.4], btype="bandpass", fs=RATE, output="sos")
    band = np.abs(sosfiltfilt(sos, y))
    ms = RATE // 1000
    n = len(band) // ms
    return band[: n * ms].reshape(n, ms).max(axis=1)


def measure_gap(y: np.ndarray) -> float | None:
    ea, eb = envelope(y, FREQ_A), envelope(y, FREQ_B)
    on_a, on_b = ea > 0.5 * np.median(ea[ea > 0.05]), eb > 0.5 * np.median(eb[eb > 0.05])
    if not on_a.any() or not on_b.any():
        return None
    a_end = int(np.flatnonzero(on_a)[-1])
    b_start = int(np.flatnonzero(on_b)[0])
    return float(b_start - a_end)


def play_once(app, player, rows, qtimeout_s: float = 15.0) -> None:
    done = []
    player.current_changed.connect(lambda r: done.append(r))
    player.play_rows(rows)
    t0 = time.monotonic()
    while time.monotonic() - t0 < qtimeout_s and not (done and done[-1] is None):
        app.processEvents()
        time.sleep(0.002)
    player.current_changed.disconnect()


def run_mode(app, rows, *, gapless: bool, lead: int, folder: Path) -> float | None:
    from soundalike.gui import player as player_mod
    from soundalike.gui.queue_model import QueueModel

    player_mod.GAPLESS_LEAD_MS = lead
    queue = QueueModel()
    player = player_mod.Player(queue)
    player.set_volume(1.0)
    player.set_transitions(gapless=gapless, crossfade_s=0)
    raw = folder / "rec.raw"
    with open(raw, "wb") as out:
        rec = subprocess.Popen(["parec", "--device=bench.monitor", "--format=s16le",
                                f"--rate={RATE}", "--channels=1", "--raw",
                                "--latency-msec=10"], stdout=out)
        time.sleep(0.3)
        play_once(app, player, rows)
        time.sleep(0.3)
        rec.send_signal(signal.SIGINT)
        rec.wait(5)
    player.stop()
    player.deleteLater()
    app.processEvents()
    y = np.fromfile(raw, dtype="<i2").astype(np.float64) / 32768.0
    return measure_gap(y)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--leads", default="0,30,60")
    args = ap.parse_args(argv)
    for tool in ("pulseaudio", "parec"):
        if shutil.which(tool) is None:
            print(f"needs {tool} (Debian: pulseaudio pulseaudio-utils)")
            return 1
    folder = Path(tempfile.mkdtemp(prefix="gapless-"))
    pulse = start_pulse(folder / "pulse")
    try:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false")
        from PySide6.QtMultimedia import QMediaDevices
        from PySide6.QtWidgets import QApplication

        from soundalike.gui.library_query import Row

        app = QApplication(sys.argv[:1])
        outputs = [d.description() for d in QMediaDevices.audioOutputs()]
        print(f"audio outputs Qt sees: {outputs}")
        a, b = write_tones(folder)
        rows = [Row(i + 1, str(p), f"T{i}", "A", "Album", None, None, SECONDS, "analysed",
                    None, None, i + 1) for i, p in enumerate((a, b))]
        modes = [("one deck (floor)", False, 0)]
        modes += [(f"two decks, lead {lead} ms", True, int(lead))
                  for lead in args.leads.split(",")]
        for name, gapless, lead in modes:
            gaps = [run_mode(app, rows, gapless=gapless, lead=lead, folder=folder)
                    for _ in range(args.runs)]
            ok = [g for g in gaps if g is not None]
            if not ok:
                print(f"{name:26s} no measurement")
                continue
            print(f"{name:26s} gap median {np.median(ok):+6.0f} ms  range "
                  f"{min(ok):+.0f} … {max(ok):+.0f} ms  ({len(ok)}/{len(gaps)} runs)")
    finally:
        pulse.terminate()
        pulse.wait(5)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
