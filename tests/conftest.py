"""Shared test helpers: run the CLI in-process and capture its exit code and streams."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "rohstoff-welt-article.md"
DATA = SHARED / "data"


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys, monkeypatch):
    """Call ``compliance`` in-process: ``cli("notices", path)`` -> Run(code, out, err)."""
    from compliance.cli import main

    def run(*args: str, stdin: bytes | None = None) -> Run:
        if stdin is not None:
            import io

            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        with pytest.raises(SystemExit) as exit_info:
            main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(exit_info.value.code, captured.out, captured.err)

    return run


class Collector(HTMLParser):
    """Every tag, attribute and text node of an HTML report, the way a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def build_index(path: Path, *sources: Path) -> Path:
    """A corpus index at ``path`` holding ``sources`` (files or directories), built in-process."""
    from compliance.pipeline import load_engine
    from compliance.reuse.index import CorpusIndex

    with CorpusIndex(path, create=True) as idx:
        report = idx.add_paths([str(s) for s in sources], load_engine(None), jobs=1)
    assert not report.errors, report.errors
    return path


def engine_for(tmp_path: Path, rules_yaml: str, extra: str = ""):
    """A notice engine of only the rules in ``rules_yaml`` (a YAML list), with ``extra`` pack keys before it."""
    from compliance.detect.notices import NoticeEngine
    from compliance.ruleset.loader import load_ruleset

    pack = tmp_path / "pack.yaml"
    pack.write_text(extra + "rules:\n" + rules_yaml, encoding="utf-8")
    return NoticeEngine(load_ruleset([str(pack)], builtin=False, cache=False))


def spans(matches) -> list[tuple[str, int, int]]:
    """``(rule id, start, end)`` of raw matches, for comparing the prefiltered scan with the naive one."""
    return [(m.rule.rule.id, m.start, m.end) for m in matches]


def one_line(err: str) -> str:
    """The one line a command printed on stderr (an error or a warning), never a traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def assert_skips_reported(command: str, text, phrase: str) -> None:
    """``check`` ends its report with the skip count; ``notices`` says it in one warning on stderr."""
    if command == "check":
        assert text.out.rstrip().endswith(phrase)
    else:
        assert f"not scanned: {phrase}" in one_line(text.err)

