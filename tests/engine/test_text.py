"""engine/text.py: the one folding of text, shared by search, filters and mood words."""

from __future__ import annotations

from soundalike.engine import moods
from soundalike.engine.filters import normalise_text
from soundalike.engine.text import fold_text
from soundalike.library.model.search import fold


def test_fold_text_drops_accents_and_folds_case():
    assert fold_text("Beyoncé") == "beyonce"
    assert fold_text("ÉLAN") == "elan"
    assert fold_text("Straße") == "strasse"
    assert fold_text("ﬁn") == "fin"  # compatibility ligature (NFKD)
    assert fold_text("Plain ASCII") == "plain ascii"


def test_search_filters_and_moods_fold_alike():
    for text in ("Beyoncé", "ÉLAN vital", "Straße", "Sigur Rós", "ﬁn"):
        assert fold(text) == fold_text(text)
        assert normalise_text(text) == " ".join(fold_text(text).split())
        assert moods.fold(text) == " ".join(fold_text(text).split())
