"""Diary and MEMORY.md entries: appended atomically, once per run id, the rest kept as written."""

from __future__ import annotations

from core.evaluation.journal import entry_count, upsert_entry


def test_an_entry_is_appended_once_per_run_and_replaced_on_a_rerun(tmp_path):
    diary = tmp_path / "diary.md"
    diary.write_text("# My diary\n\nSomething I wrote by hand.\n")
    assert upsert_entry(diary, "run-a", "## run a\n- first", header="# Diary\n") is False
    assert upsert_entry(diary, "run-b", "## run b\n- second") is False
    assert upsert_entry(diary, "run-a", "## run a\n- first, updated") is True
    text = diary.read_text()
    assert text.startswith("# My diary\n\nSomething I wrote by hand.\n")
    assert entry_count(diary, "run-a") == 1 and entry_count(diary, "run-b") == 1
    assert "first, updated" in text and "- first\n" not in text
    assert text.index("run a") < text.index("run b")  # a rerun keeps the entry's place


def test_a_new_file_starts_with_the_header(tmp_path):
    mem = tmp_path / "sub" / "MEMORY.md"
    upsert_entry(mem, "r1", "- 2026-01-01 decision", header="# MEMORY\n\n")
    assert mem.read_text().startswith("# MEMORY\n\n<!-- phase25-run: r1 -->\n- 2026-01-01 decision\n")
    assert not list(mem.parent.glob(".*.tmp"))
