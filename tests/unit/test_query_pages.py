"""Table storage may answer a filtered query with an empty page and a continuation token;
the first page that holds anything is the answer (Azurite never does this, so the pages are
played here)."""

from __future__ import annotations

from shared.store.entities import first_page


def test_empty_pages_before_the_matches_are_skipped():
    assert first_page(iter([[], [], ["a", "b"], ["c"]])) == ["a", "b"]


def test_no_page_or_only_empty_pages_is_nothing():
    assert first_page(iter([])) == []
    assert first_page(iter([[], []])) == []


def test_later_pages_are_not_read():
    read = []

    def pages():
        for page in (["a"], ["b"]):
            read.append(page)
            yield page

    assert first_page(pages()) == ["a"]
    assert read == [["a"]]
