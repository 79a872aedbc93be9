"""Every bad input: one line naming the file (and line), exit 2, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SEED


def one_line_error(run, *needles: str) -> None:
    assert run.code == 2, (run.code, run.out, run.err)
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert "Traceback" not in run.err
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_missing_path(cli, tmp_path):
    missing = tmp_path / "nope.md"
    one_line_error(cli("notices", missing), str(missing), "no such file")


def test_directory_is_walked(cli, tmp_path):
    """`notices` walks a directory as every other command does (it used to refuse it)."""
    (tmp_path / "a.md").write_text("Nachdruck verboten.\n", encoding="utf-8")
    run = cli("notices", "-f", "json", tmp_path)
    assert run.code == 0, run.err
    assert [Path(f["path"]).name for f in json.loads(run.out)["files"]] == ["a.md"]


def test_binary_file(cli, tmp_path):
    f = tmp_path / "img.md"
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    one_line_error(cli("notices", f), str(f), "binary")


def test_invalid_utf8_names_the_line(cli, tmp_path):
    f = tmp_path / "bad.txt"
    f.write_bytes("Grüße\nzweite Zeile\n".encode() + b"kaputt \xff\xfe hier\n")
    one_line_error(cli("notices", f), f"{f}:3", "invalid UTF-8")


def test_legacy_encoding_is_decoded(cli, tmp_path):
    f = tmp_path / "latin1.txt"
    f.write_bytes("Alle Rechte vorbehalten. Vervielfältigung nur mit Genehmigung. Grüße aus Köln, "
                  "schöne Größe, Übermaß.\n".encode("cp1252"))
    run = cli("notices", "--format", "json", f)
    assert run.code == 0, run.err
    notices = json.loads(run.out)["files"][0]["notices"]
    assert any("Vervielfältigung" in n["text"] for n in notices) or notices == []


def test_unreadable_file(cli, tmp_path, monkeypatch):
    f = tmp_path / "secret.md"
    f.write_text("text")

    read_bytes = Path.read_bytes

    def deny(self):  # only the input: the tool's own files (caches, module code for cache keys) stay readable
        if self == f:
            raise PermissionError(13, "Permission denied")
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    one_line_error(cli("notices", f), str(f), "permission denied")


def test_unknown_format_is_a_usage_error(cli):
    one_line_error(cli("notices", "--format", "xml", SEED), "--format")


def test_unknown_option_is_one_line(cli):
    one_line_error(cli("notices", "--frobnicate", SEED), "frobnicate")


def test_debug_shows_the_traceback(cli, tmp_path):
    with pytest.raises(Exception) as info:
        cli("--debug", "notices", tmp_path / "nope.md")
    assert "no such file" in str(info.value)


def test_stdin_is_read_as_markdown(cli):
    run = cli("notices", "--format", "json", "-", stdin="Copyright © 2024 Example GmbH. Alle Rechte vorbehalten.\n"
              .encode())
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert data["version"] == 1
    assert data["files"][0]["path"] == "-"
    assert {"path", "notices", "matches", "verdicts"} <= set(data["files"][0])
