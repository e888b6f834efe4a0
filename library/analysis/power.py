"""Is this machine running on battery? (Linux sysfs; elsewhere: assume mains power.)"""

from __future__ import annotations

from pathlib import Path

POWER_SUPPLY = Path("/sys/class/power_supply")


def on_battery(root: Path = POWER_SUPPLY) -> bool:
    """True when a battery is discharging and no mains adapter is online.

    Reads ``/sys/class/power_supply/*/{type,online,status}``; a desktop with no
    battery, or a system without sysfs, counts as mains power.
    """
    try:
        supplies = list(root.iterdir())
    except OSError:
        return False
    mains_online = False
    discharging = False
    for supply in supplies:
        kind = _read(supply / "type")
        if kind == "Mains" and _read(supply / "online") == "1":
            mains_online = True
        elif kind == "Battery" and _read(supply / "status") == "Discharging":
            discharging = True
    return discharging and not mains_online


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""
