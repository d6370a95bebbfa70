import pytest

from textstats import average_sentence_length, top_words, word_count
from textstats.report import summary

TEXT = "The cat sat. The cat ran! A dog sat?"


def test_word_count() -> None:
    assert word_count(TEXT) == 9


def test_top_words() -> None:
    assert top_words(TEXT, 2) == [("the", 2), ("cat", 2)]


def test_average_sentence_length() -> None:
    assert average_sentence_length(TEXT) == pytest.approx(3.0)


def test_summary_mentions_word_count() -> None:
    assert summary("one two two").startswith("3 words")


@pytest.mark.skip(reason="unicode words are not supported yet")
def test_unicode_words() -> None:
    assert word_count("déjà vu") == 2
