"""The window as controllers: actions by name with their shortcuts, controllers that
work from their constructor's dependencies alone (no MainWindow), and thread pools
owned by whoever made them (no module-level pool)."""

from __future__ import annotations

import threading

import pytest
from gui_fixtures import SONGS
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableView,
    QTabWidget,
    QWidget,
)

from soundalike.gui import tasks as tasks_module
from soundalike.gui.bridges import AnalysisBridge
from soundalike.gui.library_model import LibraryModel
from soundalike.gui.library_query import LibraryReader
from soundalike.gui.mainwindow.actions import (
    ACTIONS,
    MEDIA_KEYS,
    MENUS,
    TABLE_MENU,
    ActionName,
    ActionRegistry,
)
from soundalike.gui.mainwindow.folders import FolderController
from soundalike.gui.mainwindow.library import LibraryBrowser, resolver
from soundalike.gui.mainwindow.playback import PlaybackController
from soundalike.gui.mainwindow.playlists import PlaylistController
from soundalike.gui.mainwindow.similarity import SimilarityActions
from soundalike.gui.map_view import LibraryMap
from soundalike.gui.nowplaying import NowPlayingBar
from soundalike.gui.player import Player
from soundalike.gui.queue_model import QueueModel
from soundalike.gui.sidebar import Sidebar
from soundalike.gui.similar_panel import SimilarPanel
from soundalike.gui.tasks import Tasks
from soundalike.library.store import Store

A = ActionName


def expected_shortcuts() -> dict[ActionName, QKeySequence]:
    """What the user has always pressed (written out here, not read from ACTIONS;
    QKeySequence needs the QApplication, hence a function)."""
    return {
        A.FIND_LIKE_FILE: QKeySequence("Ctrl+Shift+F"),
        A.SETTINGS: QKeySequence(QKeySequence.StandardKey.Preferences),
        A.QUIT: QKeySequence(QKeySequence.StandardKey.Quit),
        A.PLAY_PAUSE: QKeySequence(Qt.Key.Key_Space),
        A.NEXT: QKeySequence("Ctrl+Right"),
        A.PREVIOUS: QKeySequence("Ctrl+Left"),
        A.SEARCH: QKeySequence(QKeySequence.StandardKey.Find),
        A.QUEUE_PANEL: QKeySequence("Ctrl+L"),
        A.LIBRARY_MAP: QKeySequence("Ctrl+M"),
        A.LIBRARY: QKeySequence("Ctrl+1"),
        A.MORE_LIKE: QKeySequence("Ctrl+Shift+M"),
        A.LESS_LIKE: QKeySequence("Ctrl+Shift+L"),
        A.MOOD_RADIO: QKeySequence("Ctrl+Shift+R"),
        A.ALBUMS: QKeySequence("Ctrl+2"),
        A.FOCUS_NEXT_PANE: QKeySequence("F6"),
        A.FOCUS_PREVIOUS_PANE: QKeySequence("Shift+F6"),
        A.PLAY_NEXT: QKeySequence("Ctrl+Shift+N"),      # with the library table focused
        A.ENQUEUE: QKeySequence("Ctrl+E"),
        A.FIND_SIMILAR: QKeySequence("Ctrl+Shift+S"),
        A.START_RADIO: QKeySequence("Ctrl+R"),
        A.MEDIA_PLAY: QKeySequence(Qt.Key.Key_MediaPlay),
        A.MEDIA_TOGGLE: QKeySequence(Qt.Key.Key_MediaTogglePlayPause),
        A.MEDIA_PAUSE: QKeySequence(Qt.Key.Key_MediaPause),
        A.MEDIA_STOP: QKeySequence(Qt.Key.Key_MediaStop),
        A.MEDIA_NEXT: QKeySequence(Qt.Key.Key_MediaNext),
        A.MEDIA_PREVIOUS: QKeySequence(Qt.Key.Key_MediaPrevious),
    }


def shown(message_log: list):
    return lambda text, ms=0: message_log.append(text)


def test_every_action_is_registered_by_name_with_its_shortcut(window):
    registry = window.registry
    shortcuts = expected_shortcuts()
    assert set(registry) == set(ActionName) == set(ACTIONS)
    for name in ActionName:
        action = registry[name]
        assert isinstance(action, QAction) and action.objectName() == name
        assert window.findChild(QAction, str(name)) is action  # found by name in the window
        assert action.text() == ACTIONS[name].text
        assert action.shortcut() == shortcuts.get(name, QKeySequence()), name
    assert registry[A.SIMILAR_PANEL].isCheckable()
    assert registry[A.QUEUE_PANEL] is window.queue_dock.toggleViewAction()
    assert registry[A.MEDIA_NEXT].shortcutContext() == Qt.ShortcutContext.ApplicationShortcut
    # Return in the table plays through the view's activated signal, not a shortcut
    # (test_return_and_double_click_in_the_table_play_from_that_row)
    assert registry[A.PLAY_FROM_ROW].shortcut().isEmpty()
    # the menus hold the actions their names list; the media keys sit on the window
    menus = {a.menu().title(): a.menu() for a in window.menuBar().actions()}
    for title, names in MENUS:
        listed = [a for a in menus[title].actions() if not a.isSeparator()]
        assert listed == [registry[n] for n in names if n is not None], title
    on_window = window.actions()  # Qt's QWidget.actions(), no longer shadowed
    assert on_window == QWidget.actions(window)
    assert all(registry[n] in on_window for n in MEDIA_KEYS)
    assert registry[A.PLAY_FROM_ROW] in window.table.actions()
    menu = window.table_menu()
    assert [a for a in menu.actions() if not a.isSeparator()] == [
        registry[n] for n in TABLE_MENU if n is not None]


def test_actions_run_by_name(window, qtbot):
    window.registry[A.LIBRARY_MAP].trigger()
    assert window.tabs.currentWidget() is window.map
    window.registry[A.SEARCH].trigger()
    assert window.tabs.currentIndex() == 0 and window.search.hasFocus()
    window.registry[A.SIMILAR_PANEL].trigger()
    assert window.similar_panel.isVisible()
    window.registry[A.SIMILAR_PANEL].trigger()
    assert not window.similar_panel.isVisible()
    window.table.setCurrentIndex(window.model.index(2, 0))
    window.registry[A.PLAY_FROM_ROW].trigger()  # (the table's menu: Play from here)
    assert window.queue.current_item().id == window.model.track_id(2)
    assert window.queue.rowCount() == len(SONGS) - 2
    qtbot.keyClick(window.search, Qt.Key.Key_MediaNext)  # a media key works anywhere
    assert window.queue.current == 1
    dialogs = []
    window.registry[A.SETTINGS].triggered.connect(
        lambda: dialogs.extend(w for w in window.findChildren(QDialog) if w.isVisible()))
    window.registry[A.SETTINGS].trigger()
    assert dialogs and dialogs[0].windowTitle()
    dialogs[0].reject()


def test_return_and_double_click_in_the_table_play_from_that_row(window, qtbot):
    """Real key and mouse events: the view takes Return itself, so it must play too."""
    window.show()
    qtbot.waitExposed(window)
    window.table.setFocus()
    window.table.setCurrentIndex(window.model.index(3, 0))
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    assert window.queue.current_item().id == window.model.track_id(3)
    assert window.queue.rowCount() == len(SONGS) - 3
    rect = window.table.visualRect(window.model.index(1, 0))
    # a real double-click: press and release, then the double-click event
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.queue.current_item().id == window.model.track_id(1)
    assert window.queue.rowCount() == len(SONGS) - 1
    # the queue's Delete and the similar panel's Return belong to their own views only
    window.queue_panel.view.selectAll()
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    assert window.queue.rowCount() == len(SONGS) - 1
    window.queue_panel.view.setFocus()
    qtbot.keyClick(window.queue_panel.view, Qt.Key.Key_Delete)
    assert window.queue.rowCount() == 0


@pytest.fixture
def parts(qtbot, library):
    """The pieces the controllers are made of, on the analysed library, in a plain
    QMainWindow host (for parenting only; no Soundalike window)."""
    host = QMainWindow()
    qtbot.addWidget(host)
    tasks = Tasks(host)
    store = Store(library.db)
    reader = LibraryReader(library.db)
    queue = QueueModel(resolver(reader))
    player = Player(queue)
    ns = type("Parts", (), {})()
    ns.host, ns.tasks, ns.store, ns.reader, ns.queue, ns.player = (host, tasks, store, reader,
                                                                   queue, player)
    ns.messages = []
    ns.ids = library.ids_by_title()
    yield ns
    player.stop()
    tasks.wait_idle(5000)
    reader.close()
    store.close()


def test_playback_controller_alone(parts, qtbot, tmp_path):
    search = QLineEdit()
    playback = PlaybackController(player=parts.player, queue=parts.queue,
                                  now_playing=NowPlayingBar(parts.player), search=search,
                                  show_message=shown(parts.messages))
    replaced = []
    playback.queue_replaced.connect(lambda: replaced.append(True))
    rows = resolver(parts.reader)([parts.ids["Hiss"], parts.ids["Clicks"]])
    playback.enqueue(rows[:1])
    assert parts.queue.ids() == [parts.ids["Hiss"]] and parts.messages == [
        "Added 1 song to the queue"]
    playback.play_now(rows[1:])
    assert parts.queue.current_item().title == "Clicks"
    playback.play_rows(rows)
    assert replaced == [True] and parts.queue.ids() == [r.id for r in rows]
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    parts.player.set_volume(0.4)
    playback.save_volume(settings)
    parts.player.set_volume(1.0)
    playback.restore_volume(settings)
    assert abs(parts.player.volume() - 0.4) < 1e-3


def test_library_browser_alone(parts, qtbot, library):
    model = LibraryModel(parts.reader, tasks=parts.tasks)
    table = QTableView()
    table.setModel(model)
    tabs = QTabWidget()
    tabs.addTab(QWidget(), "Library")
    map_view = LibraryMap(str(library.db), tasks=parts.tasks)
    tabs.addTab(map_view, "Map")
    playback = PlaybackController(player=parts.player, queue=parts.queue,
                                  now_playing=NowPlayingBar(parts.player),
                                  show_message=shown(parts.messages))
    count = QLabel()
    search = QLineEdit()
    browser = LibraryBrowser(reader=parts.reader, model=model, table=table, search=search,
                             sidebar=Sidebar(parts.reader, tasks=parts.tasks), tabs=tabs,
                             map_view=map_view, count_label=count, playback=playback,
                             registry=ActionRegistry(parts.host))
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() == len(SONGS), timeout=5000)
    assert count.text() == f"{len(SONGS)} tracks"
    search.setText("hiss")
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=3000)
    assert count.text() == f"2 of {len(SONGS)} tracks"
    table.selectRow(0)
    menu = browser.table_menu()
    assert browser.menu_ids == [model.track_id(0)]
    assert "Start radio" in [a.text() for a in menu.actions()]
    browser.play_from_table(0)
    assert parts.queue.rowCount() == 2 and parts.queue.current == 0


def test_similarity_actions_alone(parts, qtbot, library):
    panel = SimilarPanel()
    toggle = QAction()
    toggle.setCheckable(True)
    similar = SimilarityActions(
        db_path=str(library.db), tasks=parts.tasks, reader=parts.reader,
        resolve_rows=resolver(parts.reader), analysis=AnalysisBridge(library.db, workers=1),
        player=parts.player, queue=parts.queue, similar_panel=panel, similar_action=toggle,
        show_message=shown(parts.messages))
    labels = []
    similar.radio_changed.connect(labels.append)
    similar.find_similar([parts.ids["Low Hum"]])
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=20000)
    assert panel.model.items[0].row.title == "Low Hum Again" and toggle.isChecked()
    similar.start_radio([parts.ids["Hiss"]])
    qtbot.waitUntil(lambda: parts.queue.rowCount() > 1, timeout=20000)
    assert labels == ["Radio: Hiss"] and similar.radio_active
    similar.stop_radio()
    assert labels[-1] == "" and not similar.radio_active
    similar.close()


def test_playlist_and_folder_controllers_alone(parts, qtbot, library, tmp_path):
    model = LibraryModel(parts.reader, tasks=parts.tasks)
    sidebar = Sidebar(parts.reader, tasks=parts.tasks)
    playback = PlaybackController(player=parts.player, queue=parts.queue,
                                  now_playing=NowPlayingBar(parts.player),
                                  show_message=shown(parts.messages))
    playlists = PlaylistController(store=parts.store, resolve_rows=resolver(parts.reader),
                                   queue=parts.queue, playback=playback, sidebar=sidebar,
                                   model=model, show_message=shown(parts.messages))
    ids = [parts.ids["Hiss"], parts.ids["Clicks"]]
    pid = playlists.save_tracks_as_playlist(ids, "Mix")
    assert [t.id for t in parts.store.playlist_tracks(pid)] == ids
    playlists.play_playlist(pid)
    assert parts.queue.ids() == ids
    out = tmp_path / "mix.m3u8"
    playlists.export(parts.queue.items, str(out))
    out2 = tmp_path / "again.m3u8"
    out2.write_bytes(out.read_bytes())
    again = playlists.import_playlist(str(out2))
    assert [t.id for t in parts.store.playlist_tracks(again)] == ids

    class Browser:  # what the folder controller asks of the library view
        closed = False
        refreshed = 0

        def refresh_library(self):
            self.refreshed += 1

        def schedule_refresh(self):
            pass

    browser = Browser()
    pause = QAction("Pause analysis")
    folders = FolderController(db_path=str(library.db), store=parts.store, tasks=parts.tasks,
                               analysis=AnalysisBridge(library.db, workers=1),
                               browser=browser,
                               pause_action=pause, show_message=shown(parts.messages))
    folders.start_background(watch=False, analyse=False)  # the scan, on the tasks' pool
    qtbot.waitUntil(lambda: browser.refreshed == 1, timeout=20000)
    assert any(m.startswith("Library scanned") for m in parts.messages)
    dialog = folders.open_settings()
    dialog.battery.setChecked(True)
    dialog.done(QDialog.DialogCode.Accepted)
    assert folders.analysis.pause_on_battery
    folders.shutdown()


def test_thread_pools_belong_to_their_owner(qtbot):
    assert not any(isinstance(v, type(Tasks().pool)) for v in vars(tasks_module).values())
    a, b = Tasks(), Tasks()
    assert a.pool is not b.pool and a.serial is not b.serial
    assert a.serial.maxThreadCount() == 1 and a.pool.maxThreadCount() == 2
    done, failed = [], []
    a.run_task(lambda: threading.get_ident(), done.append)
    a.run_task(lambda: 1 / 0, None, failed.append, serial=True)
    qtbot.waitUntil(lambda: bool(done and failed), timeout=5000)
    assert done[0] != threading.get_ident() and isinstance(failed[0], ZeroDivisionError)
    assert a.wait_idle(1000) and b.wait_idle(1000)
