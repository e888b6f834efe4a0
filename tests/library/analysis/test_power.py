"""Battery detection reads sysfs-style files; here a fake sysfs tree written to tmp_path."""

from soundalike.library.analysis.power import on_battery


def _supply(root, name, **files):
    d = root / name
    d.mkdir(parents=True)
    for key, value in files.items():
        (d / key).write_text(value + "\n")


def test_discharging_battery_without_mains_is_on_battery(tmp_path):
    _supply(tmp_path, "AC", type="Mains", online="0")
    _supply(tmp_path, "BAT0", type="Battery", status="Discharging")
    assert on_battery(tmp_path) is True


def test_mains_online_is_not_on_battery(tmp_path):
    _supply(tmp_path, "AC", type="Mains", online="1")
    _supply(tmp_path, "BAT0", type="Battery", status="Charging")
    assert on_battery(tmp_path) is False


def test_desktop_without_battery_or_sysfs(tmp_path):
    assert on_battery(tmp_path / "absent") is False
    _supply(tmp_path, "AC", type="Mains", online="1")
    assert on_battery(tmp_path) is False
