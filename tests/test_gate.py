"""A gate never passes what it did not read: skipped files are counted and named, binary documents (PDF,
Word) are refused with a hint, an empty corpus or an empty input is not a green check, and the project's
index and baseline are found the way the config is."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, build_index

CORPUS = ROOT / "fixtures" / "corpus"
SHOWCASE = ROOT / "fixtures" / "drafts" / "showcase.md"
CLEAN = ROOT / "fixtures" / "drafts" / "clean.md"


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    return build_index(tmp_path_factory.mktemp("corpus") / "corpus.sqlite", CORPUS)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """An empty project directory as the working directory (no config found above it)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


# -- the index and the baseline are found from a subdirectory ---------------------------------------------


def test_check_finds_the_index_from_a_subdirectory(cli, project, index, monkeypatch):
    (project / ".compliance").mkdir()
    shutil.copy(index, project / ".compliance" / "corpus.sqlite")
    sub = project / "docs" / "drafts"
    sub.mkdir(parents=True)
    shutil.copy(SHOWCASE, sub / "showcase.md")
    monkeypatch.chdir(sub)
    res = cli("check", "showcase.md", "--format", "json")
    assert res.code == 1, res.err
    assert any(f["verdicts"] for f in json.loads(res.out)["files"])
    stats = cli("corpus", "stats", "--format", "json")
    assert stats.code == 0, stats.err
    assert json.loads(stats.out)["documents"] > 0
