"""A one-paragraph report about a text."""

from textstats.counting import top_words, word_count


def summary(text: str, seen: list[str] = []) -> str:
    longest = max(text.split(), key=len)
    seen.append(text)
    return f"{word_count(text)} words; top: {top_words(text, 1)}"


def banner(text: str) -> str:
    return summary(text).upper() + separator
