"""Shared test helpers: run the CLI in-process and capture its exit code and streams."""

from __future__ import annotations

import sys
from dataclasses import dataclass
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
