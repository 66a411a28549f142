"""Folding texts without accents, and what a hit reports as matched: a query word found in a field's words, or a
word there starting with its stem (``directory.search.results.finds``), exactly as splitting the field into words
(``documents.words``) finds it."""

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from directory.search.documents import fold, words
from directory.search.results import finds


def _in_words(text: str, term: str) -> bool:
    """The definition: the text's words hold the term, or one starts with its stem of four or more."""
    known = words(text)
    stem = term[:-3] if term.endswith("ies") else term.rstrip("s")
    return term in known or (len(stem) >= 4 and any(word.startswith(stem) for word in known))


def test_a_stem_finds_other_forms_and_a_word_is_found_whole() -> None:
    assert finds("pantries").search(fold("Food Pantry open Mondays"))
    assert finds("shelters").search(fold("Emergency shelter"))
    assert finds("comida").search(fold("Comida gratis para familias"))
    assert finds(fold("día")).search(fold("Centro de día")), "query words are folded as texts are"
    assert not finds("pan").search(fold("Food pantry")), "a short word is found only whole"
    assert not finds("pantry").search(fold("foodpantry")), "a word is found only at a word's start"
    assert not finds("a b").search(fold("a b"))


# Texts and words over a small alphabet, so that words, stems and near misses meet often.
_letters = st.sampled_from("aeiopnrstyí-1 ")


@settings(max_examples=400, deadline=None)
@given(text=st.text(_letters, max_size=80), term=st.text(_letters, min_size=1, max_size=9).map(fold))
def test_finds_exactly_what_the_words_hold(text: str, term: str) -> None:
    assert bool(finds(term).search(fold(text))) == _in_words(text, term)


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=40))
def test_fold_strips_accents_as_the_decomposition_of_the_whole_text_does(text: str) -> None:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    assert fold(text) == "".join(c for c in decomposed if not unicodedata.combining(c))
