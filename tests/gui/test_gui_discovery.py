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
