"""Building the window: its widgets and their layout, the menus from action names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from soundalike.gui.album_grid import AlbumGrid
from soundalike.gui.folder_banner import FolderBanner
from soundalike.gui.library_model import LibraryModel
from soundalike.gui.mainwindow.actions import MENUS, TABLE_MENU, ActionName, ActionRegistry
from soundalike.gui.map_view import LibraryMap
from soundalike.gui.nowplaying import NowPlayingBar
from soundalike.gui.queue_panel import QueuePanel
from soundalike.gui.sidebar import Sidebar
from soundalike.gui.similar_panel import SimilarPanel
from soundalike.gui.status import AnalysisStatus

if TYPE_CHECKING:
    from soundalike.gui.mainwindow import MainWindow


def make_table(model: LibraryModel, parent: QWidget) -> QTableView:
    table = QTableView(parent)
    table.setObjectName("LibraryTable")
    table.setModel(model)
    table.setSortingEnabled(True)
    table.horizontalHeader().setSortIndicator(1, Qt.SortOrder.AscendingOrder)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setDragEnabled(True)
    table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    header = table.horizontalHeader()
    header.setSectionsMovable(True)
    header.setHighlightSections(False)
    for col, width in enumerate((240, 150, 160, 100, 50, 60, 70)):
        header.resizeSection(col, width)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setStretchLastSection(False)
    table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    table.setAccessibleName(QCoreApplication.translate("MainWindow", "Library songs"))
    table.setToolTip(QCoreApplication.translate(
        "MainWindow", "Your songs. Enter plays from the selected song; the Menu key or "
        "Shift+F10 opens its menu (similar songs, radio, queue)"))
    return table


def make_search(parent: QWidget) -> QLineEdit:
    search = QLineEdit(parent)
    search.setPlaceholderText(QCoreApplication.translate(
        "MainWindow", "Search title, artist, album, genre… (Ctrl+F)"))
    search.setAccessibleName(QCoreApplication.translate("MainWindow", "Search the library"))
    search.setToolTip(QCoreApplication.translate(
        "MainWindow", "Type words from the title, artist, album or genre (Ctrl+F); "
        "Down goes to the list"))
    search.setClearButtonEnabled(True)
    search.setObjectName("SearchBox")
    return search


@dataclass(frozen=True, slots=True)
class Widgets:
    """What :func:`build_widgets` makes; :class:`MainWindow` keeps each under its name."""

    search: QLineEdit
    table: QTableView
    count_label: QLabel
    sidebar: Sidebar
    similar_panel: SimilarPanel
    queue_panel: QueuePanel
    now_playing: NowPlayingBar
    album_grid: AlbumGrid
    map: LibraryMap
    analysis_status: AnalysisStatus
    folder_banner: FolderBanner
    tabs: QTabWidget
    center_split: QSplitter
    main_split: QSplitter
    queue_dock: QDockWidget


def build_widgets(w: MainWindow) -> Widgets:
    """The window's widgets, laid out in *w* (their parent); the window keeps them."""
    search = make_search(w)
    table = make_table(w.model, w)
    count_label = QLabel("", w)
    sidebar = Sidebar(w.reader, w, tasks=w.tasks)
    similar_panel = SimilarPanel(w, covers=w.covers)
    queue_panel = QueuePanel(w.queue, w)
    now_playing = NowPlayingBar(w.player, w, covers=w.covers)
    album_grid = AlbumGrid(w.reader, w.covers, w.tasks, w)
    library_map = LibraryMap(w.db_path, w, tasks=w.tasks)
    analysis_status = AnalysisStatus(w.analysis, w)
    folder_banner = FolderBanner(w)

    library_page = QWidget(w)
    lib_layout = QVBoxLayout(library_page)
    lib_layout.setContentsMargins(0, 0, 0, 0)
    lib_layout.setSpacing(4)
    lib_layout.addWidget(search)
    lib_layout.addWidget(table, 1)
    tabs = QTabWidget(w)
    tabs.setDocumentMode(True)
    tabs.addTab(library_page, QCoreApplication.translate("MainWindow", "Library"))
    tabs.addTab(album_grid, QCoreApplication.translate("MainWindow", "Albums"))
    tabs.addTab(library_map, QCoreApplication.translate("MainWindow", "Map"))
    tabs.setAccessibleName(QCoreApplication.translate("MainWindow", "Library views"))
    views_tip = QCoreApplication.translate(
        "MainWindow", "The library as a list (Ctrl+1), as albums (Ctrl+2) or as a map (Ctrl+M)")
    tabs.setToolTip(views_tip)
    tabs.tabBar().setAccessibleName(QCoreApplication.translate("MainWindow", "Library views"))
    tabs.tabBar().setToolTip(views_tip)

    center_split = QSplitter(Qt.Orientation.Vertical, w)
    center_split.addWidget(tabs)
    center_split.addWidget(similar_panel)
    center_split.setStretchFactor(0, 3)
    center_split.setStretchFactor(1, 2)
    similar_panel.setVisible(False)

    main_split = QSplitter(Qt.Orientation.Horizontal, w)
    main_split.addWidget(sidebar)
    main_split.addWidget(center_split)
    main_split.setStretchFactor(1, 1)
    main_split.setSizes([200, 900])

    central = QWidget(w)
    layout = QVBoxLayout(central)
    layout.setContentsMargins(6, 6, 6, 0)
    layout.addWidget(folder_banner)   # shown while a music folder is unavailable
    layout.addWidget(main_split, 1)
    layout.addWidget(now_playing)
    w.setCentralWidget(central)

    queue_dock = QDockWidget(QCoreApplication.translate("MainWindow", "Play queue"), w)
    queue_dock.setObjectName("QueueDock")
    queue_dock.setWidget(queue_panel)
    queue_dock.setTitleBarWidget(QWidget(queue_dock))
    w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, queue_dock)
    w.resizeDocks([queue_dock], [300], Qt.Orientation.Horizontal)

    w.statusBar().addPermanentWidget(analysis_status)
    w.statusBar().addPermanentWidget(count_label)
    return Widgets(search=search, table=table, count_label=count_label, sidebar=sidebar,
                   similar_panel=similar_panel, queue_panel=queue_panel,
                   now_playing=now_playing, album_grid=album_grid, map=library_map,
                   analysis_status=analysis_status, folder_banner=folder_banner, tabs=tabs,
                   center_split=center_split, main_split=main_split, queue_dock=queue_dock)


def fill_menu(menu: QMenu, registry: ActionRegistry,
              names: tuple[ActionName | None, ...]) -> QMenu:
    for name in names:
        if name is None:
            menu.addSeparator()
        else:
            menu.addAction(registry[name])
    return menu


def build_menus(bar: QMenuBar, registry: ActionRegistry) -> None:
    for title, names in MENUS:
        fill_menu(bar.addMenu(QCoreApplication.translate("Menus", title)), registry, names)


def table_menu(parent: QWidget, registry: ActionRegistry, n: int) -> QMenu:
    """The right-click menu for *n* selected tracks."""
    registry[ActionName.START_RADIO].setText(
        QCoreApplication.translate("Actions", "Start radio") if n == 1
        else QCoreApplication.translate("Actions", "Start radio from {0} songs").format(n))
    registry[ActionName.PATH_TO].setEnabled(n == 1)
    return fill_menu(QMenu(parent), registry, TABLE_MENU)
