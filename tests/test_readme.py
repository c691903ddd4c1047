"""The README's Python snippets run as written (each in a fresh namespace, in a temp folder)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_snippets() -> list[tuple[str, str]]:
    """(heading, code) of every ```python block under the README's "Python API" section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    snippets, heading = [], "?"
    for block in re.split(r"(?m)^(### .*)$", section):
        if block.startswith("### "):
            heading = block[4:].strip()
            continue
        for code in re.findall(r"```python\n(.*?)```", block, flags=re.S):
            snippets.append((heading, code))
    return snippets


def test_every_system_has_a_snippet():
    headings = {h for h, _ in python_snippets()}
    assert {"soup", "nca", "logic", "icl"} <= headings, headings


@pytest.mark.parametrize("heading,code", python_snippets(), ids=lambda v: v[:12])
def test_snippet_runs(heading, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert len(code.strip().splitlines()) <= 8, f"the {heading} snippet is more than a few lines"
    exec(compile(code, f"README.md ({heading})", "exec"), {"__name__": "readme"})
