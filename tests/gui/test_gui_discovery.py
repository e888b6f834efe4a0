"""Issue 24 in the player: sonic order of the queue and of playlists (undoable), similar
albums/artists, artist radio and mixes — real widgets offscreen, the real recommender
over the real analysed library (tests/gui/conftest.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu

from soundalike.library.store import Store

# alternating sounds: hum, clicks, hiss, hum, clicks, hiss, whistle
BUMPY = ("Low Hum", "Clicks", "Hiss", "Low Hum Again", "Fast Clicks", "Hiss Again",
         "High Whistle")


def _menu_texts(menu: QMenu) -> list[str]:
    out = []
    for a in menu.actions():
        out.append(a.text())
        if a.menu() is not None:
            out += ["  " + t for t in _menu_texts(a.menu())]
    return out


def _sub_action(menu: QMenu, sub: str, key: str):
    for a in menu.actions():
        if a.menu() is not None and a.text() == sub:
            return next(x for x in a.menu().actions() if x.data() == key)
    raise AssertionError(_menu_texts(menu))


def _action(menu: QMenu, text: str):
    return next(a for a in menu.actions() if a.text() == text)


def test_the_queue_in_flow_order_and_back(window, library, qtbot):
    ids = library.ids_by_title()
    rows = window.resolve_rows([ids[t] for t in BUMPY])
    window.queue.replace(rows)
    window.queue.set_current(0)          # "Low Hum" plays: it stays first
    before = window.queue.ids()
    menu = window.queue_panel.context_menu(1)
    assert "  Flow (each song into the next)" in _menu_texts(menu)
    assert not _action(menu, "Undo sonic order").isEnabled()
    _sub_action(menu, "Sonic order", "flow").trigger()
    qtbot.waitUntil(lambda: window.queue.ids() != before, timeout=20000)
    after = window.queue.ids()
    assert after[0] == before[0] and sorted(after) == sorted(before)
    title = {v: k for k, v in ids.items()}
    names = [title[i] for i in after]
    # the near-identical pairs end up next to each other
    for a, b in (("Hiss", "Hiss Again"), ("Clicks", "Fast Clicks")):
        assert abs(names.index(a) - names.index(b)) == 1, names
    assert window.queue.current_item().id == before[0]
    menu = window.queue_panel.context_menu(1)
    assert _action(menu, "Undo sonic order").isEnabled()
    _action(menu, "Undo sonic order").trigger()
    assert window.queue.ids() == before


def test_a_playlist_in_tempo_order_and_undone(window, library, qtbot):
    ids = library.ids_by_title()
    order = [ids[t] for t in BUMPY]
    with Store(library.db) as s:
        pid = s.create_playlist("Bumpy", order)
    menu = window.sidebar.item_menu("playlist", pid)
    assert not _action(menu, "Undo sonic order").isEnabled()
    _sub_action(menu, "Sonic order", "tempo").trigger()

    def saved():
        with Store(library.db) as s:
            return [t.id for t in s.playlist_tracks(pid)]

    qtbot.waitUntil(lambda: saved() != order, timeout=20000)
    assert sorted(saved()) == sorted(order)
    from soundalike.engine.dsp import INDEX

    with Store(library.db) as s:
        tempo = [s.get_analysis(i).features[INDEX["tempo_bpm"]] for i in saved()]
    assert tempo == sorted(tempo)
    menu = window.sidebar.item_menu("playlist", pid)
    assert _action(menu, "Undo sonic order").isEnabled()
    _action(menu, "Undo sonic order").trigger()
    assert saved() == order


def _retag_albums(library) -> None:
    """One album per artist (the fixture's songs share one album)."""
    with Store(library.db) as s:
        tracks = s.tracks(limit=None)
        for t in tracks:
            t.album = f"{t.artist} LP"
        s.update_tracks(tracks)


def test_similar_albums_from_the_album_grid_and_artist_radio(window, library, qtbot):
    from soundalike.library.model.views import Album

    _retag_albums(library)
    album = Album("Noise Co LP", "Noise Co", 2, None, "")
    window.album_grid.similar_albums_requested.emit(album)
    dialog = window.discovery.groups_dialog()
    qtbot.waitUntil(lambda: dialog.isVisible() and bool(dialog.results()), timeout=20000)
    results = dialog.results()
    assert dialog.heading.text() == "Albums that sound like Noise Co – Noise Co LP"
    assert "Noise Co LP" not in [r["name"] for r in results]
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    assert all(r["explanation"] for r in results)
    window.album_grid.ensure_loaded()
    qtbot.waitUntil(lambda: window.album_grid.model.rowCount() > 0, timeout=10000)
    texts = [a.text() for a in window.album_grid.menu_for(
        window.album_grid.model.index(0)).actions()]
    assert {"Similar albums", "Similar artists", "Artist radio"} <= set(texts)
    # double-click shows the album's songs; "Artist radio" starts a radio from its artist
    dialog.view.setCurrentItem(dialog.view.topLevelItem(0))
    first = results[0]
    dialog._show(dialog.view.topLevelItem(0))
    qtbot.waitUntil(lambda: window.model.rowCount() == first["tracks"], timeout=5000)
    dialog.radio_button.click()
    qtbot.waitUntil(lambda: window.similarity.radio_active and window.queue.rowCount() > 3,
                    timeout=30000)
    seeds = {r.id for r in window.similarity.radio_seeds}
    assert seeds <= set(first["track_ids"]) and seeds
    dialog.close()


def test_similar_artists_and_artist_radio_from_the_sidebar(window, library, qtbot):
    menu = window.sidebar.item_menu("artist", "Metronome")
    assert [a.text() for a in menu.actions()] == ["Similar albums", "Similar artists",
                                                  "Artist radio"]
    _action(menu, "Similar artists").trigger()
    dialog = window.discovery.groups_dialog()
    qtbot.waitUntil(lambda: dialog.isVisible() and bool(dialog.results()), timeout=20000)
    names = [r["name"] for r in dialog.results()]
    assert "Metronome" not in names and set(names) <= {"Drone Band", "Noise Co", "Kettle"}
    assert dialog.windowTitle() == "Similar artists"
    _action(window.sidebar.item_menu("artist", "Metronome"), "Artist radio").trigger()
    qtbot.waitUntil(lambda: window.similarity.radio_active, timeout=30000)
    ids = library.ids_by_title()
    assert {r.id for r in window.similarity.radio_seeds} <= {ids["Clicks"], ids["Fast Clicks"]}
    dialog.close()


def test_mixes_in_the_sidebar_play_as_radio_save_and_pin(window, library, qtbot):
    mixes_item = window.sidebar.categories["mix"]
    assert mixes_item.text(0) == "Mixes"
    mixes_item.setExpanded(True)
    qtbot.waitUntil(lambda: len(window.sidebar.child_labels("mix")) >= 2, timeout=30000)
    labels = window.sidebar.child_labels("mix")
    assert all(label.endswith(" songs)") or label.endswith(")") for label in labels)
    child = mixes_item.child(0)
    mix_id = child.data(0, 256)[1]
    name = window.sidebar._mix_names[mix_id]
    assert label_ok(labels[0], name)
    menu = window.sidebar.item_menu("mix", mix_id)
    assert [a.text() for a in menu.actions()] == ["Play mix (endless radio)", "Save as playlist",
                                                  "Pin (keep this mix)"]
    # double-click: an endless radio from the mix's region, its typical songs first
    window.sidebar._double_clicked(child)
    qtbot.waitUntil(lambda: window.similarity.radio_active and window.queue.rowCount() > 3,
                    timeout=30000)
    assert window.queue_panel.radio_label.text() == f"Mix: {name}"
    # save as playlist: saved, and the mix is pinned (never replaced)
    _action(menu, "Save as playlist").trigger()

    def saved():
        with Store(library.db) as s:
            return [p.name for p in s.playlists()]

    qtbot.waitUntil(lambda: name in saved(), timeout=20000)
    qtbot.waitUntil(lambda: "📌" in window.sidebar.child_labels("mix")[0], timeout=20000)
    menu = window.sidebar.item_menu("mix", mix_id)
    assert menu.actions()[-1].text() == "Unpin"


def test_mixes_say_they_are_being_made_and_enter_plays_one(window, qtbot):
    from PySide6.QtCore import Qt

    mixes_item = window.sidebar.categories["mix"]
    mixes_item.setExpanded(True)
    # at once, before the recommender's thread answers: a note, nothing to choose
    assert window.sidebar.child_labels("mix") == ["Making the mixes…"]
    assert not mixes_item.child(0).flags() & Qt.ItemFlag.ItemIsSelectable
    qtbot.waitUntil(lambda: len(window.sidebar.child_labels("mix")) >= 2, timeout=30000)
    assert "Making the mixes…" not in window.sidebar.child_labels("mix")
    child = mixes_item.child(1)
    name = window.sidebar.mix_names()[child.data(0, 256)[1]]
    window.sidebar.setCurrentItem(child)
    window.sidebar.setFocus()
    qtbot.keyClick(window.sidebar, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.similarity.radio_active
                    and window.queue_panel.radio_label.text() == f"Mix: {name}", timeout=30000)


def test_no_mixes_in_a_library_with_nothing_analysed(qtbot, settings, tmp_path):
    from soundalike.gui.main_window import MainWindow

    w = MainWindow(tmp_path / "empty.db", settings=settings, analysis_workers=1)
    qtbot.addWidget(w)
    w.show()
    try:
        w.sidebar.categories["mix"].setExpanded(True)
        qtbot.waitUntil(lambda: w.sidebar.child_labels("mix")
                        == ["No mixes yet: they are made from analysed songs"], timeout=30000)
        assert w.sidebar.mix_names() == {}
        w.sidebar._double_clicked(w.sidebar.categories["mix"].child(0))   # a note: nothing
        assert not w.similarity.radio_active
    finally:
        w.close()


def label_ok(label: str, name: str) -> bool:
    return label.startswith(name)


def test_the_radio_options_in_the_settings_reach_the_radio(window, library, qtbot):
    from PySide6.QtWidgets import QDialog

    from soundalike.library.recommend.discovery import radio_options

    dialog = window.open_settings()
    assert dialog.no_repeat.isChecked() and dialog.keep_character.isChecked()
    assert dialog.radio_spacing["album_spacing"].value() == 5
    dialog.keep_character.setChecked(False)       # "unless the user asks otherwise"
    dialog.radio_spacing["album_spacing"].setValue(0)
    dialog.recent_hours.setValue(0)
    dialog.done(QDialog.DialogCode.Accepted)
    o = radio_options(window.store)
    assert o["keep_character"] is False and o["album_spacing"] == 0
    assert o["recent_hours"] == 0.0 and o["no_repeat"] is True
    ids = library.ids_by_title()
    window.similarity.start_radio([ids["Hiss"]])
    qtbot.waitUntil(lambda: window.similarity.radio_active, timeout=30000)
    state = window.similarity.radio_state["engine"]["options"]
    assert state["keep_character"] is False and state["album_spacing"] == 0


def test_songs_heard_are_remembered_for_the_next_radios(window, library, qtbot):
    from soundalike.library.recommend.discovery import recent_plays

    ids = library.ids_by_title()
    rows = window.resolve_rows([ids["Clicks"], ids["Hiss"]])
    window.similarity._on_listened(rows[0], 200.0, True)    # heard to its end
    window.similarity._on_listened(rows[1], 3.0, False)     # skipped at once: not a play

    def plays():
        with Store(library.db) as s:
            return recent_plays(s)

    qtbot.waitUntil(lambda: ids["Clicks"] in plays(), timeout=10000)
    window.tasks.wait_idle()
    assert ids["Hiss"] not in plays()
