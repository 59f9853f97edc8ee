"""The error index's data: every entry's front matter, in both languages (autograd_docs.errorindex)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd_docs.errorindex import (
    Entry,
    compare_languages,
    is_current,
    read_entries,
    read_entry,
    wording_pattern,
)

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

GOOD = """\
---
file_format: mystnb
kernelspec: {name: python3, display_name: Python 3}
autograd_error:
  kind: error
  fix: "Sum the losses."
  wordings:
    - text: "Trying to backward through the graph a second time"
      torch: "1.10–2.13"
      source: "torch/csrc/autograd/saved_variable.cpp"
  questions: []
---

# Trying to backward through the graph a second time
"""


def test_an_entry_is_read_from_its_front_matter(tmp_path) -> None:
    page = tmp_path / "backward-second-time.md"
    page.write_text(GOOD, encoding="utf-8")
    entry, problems = read_entry(page)
    assert problems == []
    assert entry == Entry(
        "backward-second-time", "error", "Sum the losses.",
        [{"text": "Trying to backward through the graph a second time", "torch": "1.10–2.13",
          "source": "torch/csrc/autograd/saved_variable.cpp"}],
    )  # fmt: skip
    data = entry.as_data("Title")
    assert data["url"] == "errors/backward-second-time.html" and data["questions"] == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (('fix: "Sum the losses."', 'fix: ""'), "no fix"),
        (("kind: error", "kind: oops"), "kind is 'oops'"),
        (('torch: "1.10–2.13"', 'torch: "recent"'), "is not like"),
        (('torch: "1.10–2.13"', 'torch: "–"'), "is not like"),
        (('source: "torch/csrc/autograd/saved_variable.cpp"', 'source: ""'), "has no source"),
    ],
)
def test_an_entry_without_what_readers_need_is_refused(tmp_path, change, problem) -> None:
    page = tmp_path / "entry.md"
    page.write_text(GOOD.replace(*change), encoding="utf-8")
    entry, problems = read_entry(page)
    assert entry is None and any(problem in p for p in problems), problems


def test_wordings_must_be_the_same_in_both_languages() -> None:
    wording = [{"text": "boom", "torch": "2.0–2.13", "source": "x.cpp"}]
    other = [{"text": "Boom", "torch": "2.0–2.13", "source": "x.cpp"}]
    problems = compare_languages({"a": Entry("a", "error", "Fix.", wording)}, {"a": Entry("a", "error", "修复。", other)})
    assert problems and "wordings differ" in problems[0]


@pytest.mark.parametrize(
    ("torch_range", "current"),
    [("1.10–2.13", True), ("2.13", True), ("2.1–", True), ("0.4–1.9", False), ("2.12", False), ("0.2-2.13", True)],
)
def test_which_wordings_the_running_torch_prints(torch_range: str, current: bool) -> None:
    assert is_current(torch_range, "2.13.0") is current


def test_a_wordings_variable_parts_match_anything() -> None:
    pattern = wording_pattern("modified by an inplace operation: […], which is output … of …, is at version …;")
    assert pattern.search(
        "modified by an inplace operation: [torch.FloatTensor [2]], which is output 0 of\n ExpBackward0, is at version 1;"
    )
    assert not wording_pattern("Function '…Backward0' returned nan").search("Function 'PowBackward' returned nan")


# -- The entries themselves ------------------------------------------------------------------


@pytest.mark.parametrize("folder", ["en", "zh"])
def test_every_entry_has_a_fix_and_wordings(folder: str) -> None:
    entries, problems = read_entries(DOCS / folder)
    assert entries, f"docs/{folder}/errors/ has no entries"
    assert not problems, f"docs/{folder}/errors/:\n" + "\n".join(problems)


def test_both_languages_give_the_same_wordings() -> None:
    english, _ = read_entries(DOCS / "en")
    chinese, _ = read_entries(DOCS / "zh")
    problems = compare_languages(english, chinese)
    assert not problems, "\n".join(problems)


def test_chinese_fixes_are_written_in_chinese() -> None:
    chinese, _ = read_entries(DOCS / "zh")
    english = [slug for slug, entry in chinese.items() if not any("\u4e00" <= c <= "\u9fff" for c in entry.fix)]
    assert not english, f"docs/zh/errors/: fix lines not in Chinese: {english}"
