"""Settings, first run, remembered layout, keyboard shortcuts, palette and the map."""

from __future__ import annotations

from gui_fixtures import SONGS
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialog

from soundalike.gui import theme
from soundalike.gui.main_window import MainWindow
from soundalike.gui.settings_dialog import (
    FirstRunDialog,
    LibrarySettings,
    SettingsDialog,
)
from soundalike.library.model.settings import ANALYSIS_PAUSE_ON_BATTERY, ANALYSIS_WORKERS
from soundalike.library.recommend.filter_defaults import default_filters


def test_settings_dialog_saves_folders_workers_battery_and_exclusions(window, tmp_path):
    extra = tmp_path / "more music"
    extra.mkdir()
    dialog = window.open_settings()
    assert dialog.folders.folders() == [str(window.store.folders()[0].path)]
    dialog.folders.add_folder(str(extra))
    dialog.workers.setValue(1)
    dialog.battery.setChecked(True)
    dialog.exclude["genres"].setPlainText("Noise\n")
    dialog.exclude["keywords"].setPlainText("live")
    dialog.done(QDialog.DialogCode.Accepted)
    store = window.store
    assert str(extra) in [f.path for f in store.folders()]
    assert store.setting(ANALYSIS_WORKERS) == 1 and store.setting(ANALYSIS_PAUSE_ON_BATTERY) is True
    filters = default_filters(store)  # the recommender reads the exclusions from here
    assert filters.exclude_genres == ("Noise",) and filters.exclude_keywords == ("live",)
    assert window.analysis.pause_on_battery and window.analysis.workers == 1
    # reopening shows what was saved; Cancel changes nothing
    again = SettingsDialog(LibrarySettings.load(store))
    assert again.battery.isChecked() and again.workers.value() == 1
    assert again.result_settings().exclude["genres"] == ["Noise"]


def test_excluded_genres_are_never_recommended(window, qtbot):
    s = LibrarySettings.load(window.store)
    s.exclude = {"genres": ["Noise"]}
    s.save(window.store)
    ids = {window.model.data(window.model.index(r, 0)): window.model.track_id(r)
           for r in range(window.model.rowCount())}
    window.similarity.find_similar([ids["Clicks"]])
    qtbot.waitUntil(lambda: window.similar_panel.model.rowCount() > 0, timeout=20000)
    assert all(s.row.genre != "Noise" for s in window.similar_panel.model.items)


def test_variety_settings_reach_the_recommender(window):
    dialog = window.open_settings()
    assert dialog.caps["artist"].value() == 2 and not dialog.own_artist.isChecked()
    dialog.caps["artist"].setValue(0)  # "No limit"
    dialog.caps["album"].setValue(3)
    dialog.own_artist.setChecked(True)
    dialog.done(QDialog.DialogCode.Accepted)
    filters = default_filters(window.store)
    assert not filters.max_per_artist and filters.max_per_album == 3
    assert filters.exclude_query_artist is True
    again = SettingsDialog(LibrarySettings.load(window.store))
    assert again.caps["artist"].specialValueText() == again.caps["artist"].text()
    assert again.caps["album"].value() == 3 and again.own_artist.isChecked()


def test_first_run_dialog_offers_the_music_folder(qtbot, tmp_path, monkeypatch):
    music = tmp_path / "Music"
    music.mkdir()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_MUSIC_DIR", raising=False)
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    assert dialog.chosen_folders() == [str(music)]


def test_window_layout_is_remembered(qtbot, library, settings):
    w = MainWindow(library.db, settings=settings)
    qtbot.addWidget(w)
    w.resize(720, 530)  # inside the offscreen screen (800×600)
    w.show()
    w.queue_dock.setVisible(False)
    w.table.horizontalHeader().resizeSection(1, 123)
    w.player.set_volume(0.35)
    w.close()
    w2 = MainWindow(library.db, settings=settings)
    qtbot.addWidget(w2)
    w2.show()
    # (the size itself: the offscreen platform fits restored windows to its own screen)
    assert not settings.value("window/geometry").isEmpty()
    assert not w2.queue_dock.isVisible()
    assert w2.table.horizontalHeader().sectionSize(1) == 123
    assert abs(w2.player.volume() - 0.35) < 1e-3
    w2.close()


def test_keyboard_shortcuts(window, qtbot):
    window.table.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search.hasFocus()
    qtbot.keyClicks(window.search, "a b")  # Space types into the search box …
    assert window.search.text() == "a b"
    assert not window.player.is_playing()
    window.search.clear()
    window.queue.append(window.resolve_rows(window.model.track_ids()[:1]))
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Space)  # … elsewhere it plays and pauses
    qtbot.waitUntil(window.player.is_playing, timeout=5000)
    qtbot.keyClick(window.table, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.player.is_playing(), timeout=5000)
    visible = window.queue_dock.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.queue_dock.isVisible() != visible


def test_dark_and_light_palettes():
    app = QApplication.instance()
    before = app.palette()
    theme.apply(app, "dark")
    assert app.palette().color(QPalette.ColorRole.Window).lightness() < 80
    theme.apply(app, "light")
    assert app.palette().color(QPalette.ColorRole.Window).lightness() > 180
    app.setPalette(before)


def test_map_shows_analysed_tracks_by_genre_and_clicks_find_similar(window, qtbot):
    window.tabs.setCurrentWidget(window.map)
    qtbot.waitUntil(lambda: window.map.data is not None and len(window.map.data.ids) > 0,
                    timeout=15000)
    data = window.map.data
    assert len(data.ids) == len(SONGS)
    assert data.labels and all(isinstance(g, str) for g in data.labels)
    assert any("Low Hum" in t for t in data.titles)
    window.map.resize(800, 500)
    pos = window.map.screen_pos(0)
    assert window.map.point_at(pos) == 0
    assert window.map.point_at(QPointF(-50, -50)) is None
    found = []
    window.map.similar_requested.connect(found.append)
    window.map.similar_requested.emit(int(data.ids[0]))
    qtbot.waitUntil(lambda: window.similar_panel.model.rowCount() > 0, timeout=20000)
    assert found == [int(data.ids[0])]


def test_capped_similar_list_is_topped_up_and_says_whose(window, qtbot):
    s = LibrarySettings.load(window.store)
    s.caps = {"artist": 1, "album": 1}
    s.save(window.store)
    first = window.model.track_id(0)
    window.similarity.find_similar([first])
    panel = window.similar_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=20000)
    # One song per artist first (four artists), then the soft caps fill the list with
    # the other songs, and the panel says whose they are.
    artists = [item.row.artist for item in panel.model.items]
    assert len(artists) == len(SONGS) - 1 and len(set(artists[:4])) == 4
    extra = list(dict.fromkeys(artists[4:]))
    assert len(extra) == 2
    assert panel.status.text() == (f"More by {extra[0]} and {extra[1]}: your library has few "
                                   "other artists like this (the last 2).")
    assert not panel.status.isHidden()
    s.caps = {"artist": 0, "album": 0}
    s.save(window.store)
    window.similarity.find_similar([first])
    qtbot.waitUntil(lambda: panel.model.rowCount() > 1, timeout=20000)
    assert not panel.status.isVisible()
