"""Word and sentence statistics for plain text."""

from textstats.counting import average_sentence_length, top_words, word_count

__all__ = ["average_sentence_length", "top_words", "word_count"]
