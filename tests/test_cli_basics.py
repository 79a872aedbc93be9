"""The command line's basics: --version, bare invocation, help without type names, one spelling per concept
(old spellings still work), notices over directories with --fail-on and the check formats, audit of a
missing path, and what `check -o FILE` tells the terminal."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEED, build_index
from test_cli_errors import one_line_error

CORPUS = ROOT / "fixtures" / "corpus"
SHOWCASE = ROOT / "fixtures" / "drafts" / "showcase.md"
CLEAN = ROOT / "fixtures" / "drafts" / "clean.md"
BAN = "Alle Rechte vorbehalten. Nachdruck verboten.\n"  # a reproduction ban: a notice of severity error


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    return build_index(tmp_path_factory.mktemp("corpus") / "corpus.sqlite", CORPUS, SEED)


@pytest.fixture
def texts(tmp_path) -> Path:
    """A directory of two texts (one with a reproduction ban, one plain) and a file of an unknown kind."""
    d = tmp_path / "texts"
    (d / "sub").mkdir(parents=True)
    (d / "ban.md").write_text("# Artikel\n\nEin Absatz.\n\n" + BAN, encoding="utf-8")
    (d / "sub" / "plain.txt").write_text("Nothing to see here.\n", encoding="utf-8")
    (d / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return d


# -- 1. --version and bare `compliance` -------------------------------------------------------------------


def test_version_prints_name_and_version(cli):
    from compliance import __version__

    run = cli("--version")
    assert (run.code, run.out, run.err) == (0, f"compliance {__version__}\n", "")


@pytest.mark.parametrize("args", [(), ("corpus",), ("rules",)])
def test_bare_group_prints_its_help_not_an_empty_error(cli, args):
    run = cli(*args)
    assert run.code == 2
    assert "Usage: compliance" in run.out and "Commands" in run.out
    assert "error" not in run.err


# -- 5. help: metavars, not type names; one spelling per concept ----------------------------------------------


def _command_paths() -> list[tuple[str, ...]]:
    import typer

    from compliance.cli import app

    paths: list[tuple[str, ...]] = []

    def walk(cmd, prefix: tuple[str, ...]) -> None:
        paths.append(prefix)
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, (*prefix, name))

    walk(typer.main.get_command(app), ())
    return paths


TYPE_NAME = re.compile(r"<(?:bool|str|int|float|path|file|dir|list\[|tuple|[a-z_]+\[)")


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "compliance")
def test_help_shows_metavars_not_type_names(cli, path):
    run = cli(*path, "--help")
    assert run.code == 0, run.err
    assert not TYPE_NAME.search(run.out), run.out
    assert "[default: False]" not in run.out


def test_canonical_spellings_in_help_and_old_ones_hidden(cli):
    check = cli("check", "--help").out
    assert "--index" in check and "--quiet" in check and "--corpus" not in check
    audit = cli("audit", "--help").out
    assert "--records" in audit and "--quiet" in audit and "--no-progress" not in audit
    assert "--index" in cli("corpus", "add", "--help").out and "--index" in cli("baseline", "update", "--help").out


@pytest.mark.parametrize("spelling", ["--index", "-i", "--corpus", "-c"])
def test_check_index_spellings_all_work(cli, index, spelling):
    run = cli("check", str(SHOWCASE), spelling, str(index), "-f", "json", "--fail-on", "never")
    assert run.code == 0, run.err
    assert any(f["verdicts"] for f in json.loads(run.out)["files"])


def test_baseline_update_accepts_old_corpus_spelling(cli, index, tmp_path):
    for spelling in ("--corpus", "--index"):
        target = tmp_path / f"b{spelling}.json"
        run = cli("baseline", "update", str(SHOWCASE), spelling, str(index), "--baseline", str(target))
        assert run.code == 0, run.err
        assert json.loads(target.read_text(encoding="utf-8"))


def test_audit_records_and_report_outputs(cli, tmp_path):
    """--records writes the records; -o writes the report; the old `-o FILE.jsonl` still means records."""
    records, report, old = tmp_path / "r.jsonl", tmp_path / "report.json", tmp_path / "old.jsonl"
    run = cli("audit", str(SHOWCASE), "-j", "1", "--records", str(records), "-o", str(report), "-f", "json",
              "--fail-on", "never", "--quiet")
    assert run.code == 0, run.err
    assert run.out == ""  # the report went to the file
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["version"] == 1 and data["records"] == [json.loads(line) for line in records.read_text().splitlines()]
    run = cli("audit", str(SHOWCASE), "-j", "1", "-o", str(old), "--no-progress", "--fail-on", "never")
    assert run.code == 0, run.err
    assert run.out.strip()  # the text summary still on stdout
    assert [json.loads(line)["path"] for line in old.read_text().splitlines()] == [str(SHOWCASE)]
    run = cli("audit", str(SHOWCASE), "-j", "1", "--resume", "--fail-on", "never")
    one_line_error(run, "needs --records")


# -- 3. notices: directories, --fail-on, check formats; audit of a missing path --------------------------------


def test_notices_walks_directories_like_check(cli, texts):
    run = cli("notices", texts, "-f", "json")
    assert run.code == 0, run.err
    files = {Path(f["path"]).name: f for f in json.loads(run.out)["files"]}
    assert set(files) == {"ban.md", "plain.txt"}
    assert any(n["severity"] == "error" for n in files["ban.md"]["notices"])


@pytest.mark.parametrize(("fail_on", "code"), [(None, 0), ("never", 0), ("error", 1), ("warning", 1)])
def test_notices_fail_on(cli, texts, fail_on, code):
    run = cli("notices", texts, *(["--fail-on", fail_on] if fail_on else []))
    assert run.code == code, run.err


def test_notices_fail_on_ignores_lower_severities(cli, tmp_path):
    f = tmp_path / "own.md"
    f.write_text("Nothing to see here.\n", encoding="utf-8")
    assert cli("notices", f, "--fail-on", "info").code == 0
    one_line_error(cli("notices", f, "--fail-on", "loud"), "--fail-on", "loud")


def test_pre_commit_hook_for_notices_can_fail():
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    entry = hooks.split("id: compliance-notices", 1)[1].split("entry:", 1)[1].splitlines()[0]
    assert "--fail-on error" in entry


def test_notices_sarif_github_markdown(cli, texts, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sarif = json.loads(cli("notices", texts, "-f", "sarif").out)
    results = sarif["runs"][0]["results"]
    assert results and all(r["ruleId"].startswith("notice/") for r in results)
    assert any(r["level"] == "error" and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
               == "texts/ban.md" for r in results)
    github = cli("notices", texts, "-f", "github").out.splitlines()
    assert any(line.startswith("::error file=texts/ban.md,line=5") for line in github)
    # the walk's image is not scanned, and the summary says so (tests/test_gate.py)
    assert github[-1] == "2 rights notices in 2 files; 1 skipped (.png: 1)" and "pasted" not in "".join(github)
    markdown = cli("notices", texts, "-f", "markdown").out
    assert "| Verdict | File |" in markdown and "texts/ban.md" in markdown


def test_audit_missing_path_is_one_line_exit_2(cli, tmp_path):
    missing = tmp_path / "nothere"
    one_line_error(cli("audit", f"{missing}/"), str(missing), "no such file")


# -- 4. check -o FILE: a summary on stderr; progress for many drafts ------------------------------------------


def test_check_output_file_prints_one_summary_line(cli, index, tmp_path):
    report = tmp_path / "report.sarif"
    run = cli("check", SHOWCASE, CLEAN, "--index", index, "-f", "sarif", "-o", report)
    assert run.code == 1 and run.out == ""
    (line,) = run.err.splitlines()
    assert re.fullmatch(rf"2 drafts, \d+ findings \(\d+ errors?(, \d+ warnings?)?(, \d+ info)?\); report: {report}",
                        line), line
    assert json.loads(report.read_text(encoding="utf-8"))["version"] == "2.1.0"
    quiet = cli("check", CLEAN, "--index", index, "-o", tmp_path / "r.txt", "-q")
    assert (quiet.code, quiet.err) == (0, "")
    assert cli("check", CLEAN, "--index", index, "-o", tmp_path / "r.txt").err == (
        f"1 draft, no findings; report: {tmp_path / 'r.txt'}\n")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("drafts", "quiet", "bar"), [(6, False, True), (6, True, False), (2, False, False)])
def test_check_progress_on_a_terminal_for_many_drafts(cli, index, tmp_path, monkeypatch, drafts, quiet, bar):
    from compliance.commands import common

    updates: list[tuple[int, int]] = []
    monkeypatch.setattr(common.StderrProgress, "update", lambda self, done, total: updates.append((done, total)))
    paths = []
    for i in range(drafts):
        p = tmp_path / f"d{i}.md"
        p.write_text(f"Entwurf {i}: nichts übernommen.\n", encoding="utf-8")
        paths.append(p)
    monkeypatch.setattr(sys, "stderr", _Terminal())
    run = cli("check", *paths, "--index", index, *(["--quiet"] if quiet else []))
    assert run.code == 0
    assert updates == ([(i, drafts) for i in range(1, drafts + 1)] if bar else [])
