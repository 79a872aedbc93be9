"""Every command on hostile input: exit 0, 1 or 2, never a traceback, errors in one line.

The inputs are the ones that break tools in practice: an empty file, binary data, one huge line,
invalid UTF-8, malformed front matter, a directory or a missing file where a file is expected, broken
gzip, garbage WARC and JSONL, a rules directory with a broken pack, a broken config, an index that is
not an index, an output path that cannot be written. The CLI runs in-process (the ``cli`` fixture).
A "compliance: error: internal error" line counts as a failure too: it is a bug turned into one line.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT, Run, build_index

CORPUS = ROOT / "fixtures" / "corpus"
DRAFT = ROOT / "fixtures" / "drafts" / "showcase.md"

HOSTILE: dict[str, bytes] = {
    "empty.md": b"",
    "empty.txt": b"",
    "bom-only.md": b"\xef\xbb\xbf",
    "binary.md": bytes(range(256)) * 8,
    "huge-line.md": b"word " * 30_000 + b"\xc2\xa9 2024 Foo GmbH. Alle Rechte vorbehalten.",
    "invalid-utf8.md": "Grüße aus Köln ".encode() * 20 + b"\xff\xfe und \xc3 weiter\n",
    "latin1.txt": "Grüße aus Köln, © 2024 Müller".encode("latin-1"),
    "front-matter.md": b"---\ntitle: [unclosed\n---\n\nText\n",
    "front-matter-tag.md": b"---\ntitle: !!python/object/apply:os.system [echo]\n---\n\nText\n",
    "front-matter-date.md": b"---\ntitle: 2024-01-01\ndate: 2024-01-01\nurl: [x]\n---\n\n\xc2\xa9 2024 Foo GmbH\n",
    "crlf-cr.md": b"# Titel\r\rText\r\n\r\n\xc2\xa9 2024 Foo GmbH\r",
    "nul.txt": b"Text\x00mit\x00Nullen\x00" * 10,
    "deep.html": b"<div>" * 5000 + b"Text" + b"</div>" * 5000,
    "script.html": b"<script>alert(1)</script><p onclick=x>\xc2\xa9 2024 <a href='javascript:alert(1)'>Foo</a></p>",
    "not-gzip.html.gz": b"<p>not gzip</p>",
    "cut.html.gz": gzip.compress(b"<p>" + b"Text " * 2000 + b"</p>")[:60],
    "garbage.warc": b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\nshort",
    "garbage.warc.gz": b"\x1f\x8b\x08\x00garbage",
    "garbage.jsonl": b'{"text": 5}\n[1, 2]\n{\n' + b"[" * 5000 + b'\n{"text": "ok \\ud800"}\n',
    "garbage.jsonl.gz": gzip.compress(b'{"text": "a"}\n' * 50)[:-9],
}


_ENGINES: dict[tuple[str, ...], object] = {}


@pytest.fixture(autouse=True)
def one_engine_per_rule_set(monkeypatch):
    """Build the notice engine once per set of rule packs (~0.25 s each): the inputs are under test here,
    not engine start-up. Packs that fail to load are never cached, so every bad pack is loaded anew."""
    import compliance.pipeline as pipeline
    import compliance.reuse.pipeline as reuse_pipeline

    build = pipeline.load_engine

    def load_engine(rule_dirs=None):
        key = tuple(rule_dirs or ())
        if key not in _ENGINES:
            _ENGINES[key] = build(rule_dirs)
        return _ENGINES[key]

    monkeypatch.setattr(pipeline, "load_engine", load_engine)
    monkeypatch.setattr(reuse_pipeline, "load_engine", load_engine)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    for name, data in HOSTILE.items():
        (root / name).write_bytes(data)
    (root / "a-directory").mkdir()
    return root


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> str:
    return str(build_index(tmp_path_factory.mktemp("index") / "corpus.sqlite", CORPUS))


def assert_clean(run: Run, args: list[str]) -> None:
    """Exit 0/1/2; no traceback; exit 2 means exactly one error line, as the last line of stderr."""
    where = f"compliance {' '.join(args)}\n--- stderr:\n{run.err}"
    assert run.code in (0, 1, 2), where
    assert "Traceback" not in run.err and "Traceback" not in run.out, where
    assert "internal error" not in run.err, where
    errors = [line for line in run.err.splitlines() if line.startswith("compliance: error:")]
    if run.code == 2:
        assert len(errors) == 1 and run.err.splitlines()[-1] == errors[0], where
    else:
        assert not errors, where


def assert_json(run: Run, args: list[str]) -> None:
    if run.code in (0, 1):
        json.loads(run.out)  # a JSON report is JSON even for hostile input


# Commands that take a document; {p} is the hostile path, {i} the corpus index, {t} a fresh temp dir.
DOC_COMMANDS: dict[str, Callable[[str, str, Path], list[str]]] = {
    "notices": lambda p, i, t: ["notices", p],
    "notices-json": lambda p, i, t: ["notices", p, "-f", "json"],
    "check-json": lambda p, i, t: ["check", p, "--corpus", i, "-f", "json"],
    "check-sarif": lambda p, i, t: ["check", p, "--corpus", i, "-f", "sarif"],
    "check-html": lambda p, i, t: ["check", p, "--corpus", i, "-f", "html"],
    "corpus-add": lambda p, i, t: ["corpus", "add", p, "--index", str(t / "new.sqlite"), "--jobs", "1", "-q"],
    "audit-json": lambda p, i, t: ["audit", p, "--jobs", "1", "-f", "json"],
    "baseline": lambda p, i, t: ["baseline", "update", p, "--corpus", i, "--baseline", str(t / "b.json")],
}


@pytest.mark.parametrize("command", sorted(DOC_COMMANDS))
def test_document_commands_on_hostile_files(cli, hostile, index, tmp_path, command):
    names = [*HOSTILE, "a-directory", "missing.md"]
    if command.startswith(("check", "baseline")):  # the reuse pipeline: the text files are what matters
        names = [n for n in names if not n.endswith((".warc", ".warc.gz", ".jsonl", ".jsonl.gz"))]
    for name in names:
        args = DOC_COMMANDS[command](str(hostile / name), index, tmp_path)
        run = cli(*args)
        assert_clean(run, args)
        if "json" in command or "sarif" in command:
            assert_json(run, args)


def test_several_hostile_files_at_once_fail_cleanly(cli, hostile, index):
    paths = [str(hostile / n) for n in ("empty.md", "front-matter-date.md", "binary.md", "crlf-cr.md")]
    for args in (["notices", *paths], ["check", *paths, "--corpus", index], ["audit", *paths, "--jobs", "1"]):
        assert_clean(cli(*args), args)


def test_stdin_binary_and_invalid_utf8(cli, index):
    for data in (bytes(range(256)), b"\xff\xfe\xfd", b"", "Grüße".encode() + b"\xc3"):
        for args in (["notices", "-"], ["check", "-", "--corpus", index]):
            assert_clean(cli(*args, stdin=data), args)


@pytest.fixture(scope="module")
def bad_rules(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("rules")
    packs = {
        "syntax": "rules:\n  - id: [unclosed\n",
        "tag": "rules:\n  - !!python/object/apply:os.system [echo]\n",
        "unknown-key": "rules:\n  - id: x.y\n    kind: copyright\n    languages: [en]\n    keywords: [a]\n"
                       "    patterns: ['a']\n    message: m\n    colour: red\n",
        "bad-regex": "rules:\n  - id: x.y\n    kind: copyright\n    languages: [en]\n    keywords: [a]\n"
                     "    patterns: ['(a']\n    message: m\n",
        "not-mapping": "- a\n- b\n",
        "binary": "\udcff\udcfe",
        "int-tag": "macros:\n  a: !!int x\n",
        "alias-bomb": "macros:\n  a: &a [x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                      "  c: [*b, *b, *b, *b, *b, *b, *b, *b]\n",
    }
    out = {}
    for name, text in packs.items():
        d = root / name
        d.mkdir()
        (d / "pack.yaml").write_bytes(text.encode("utf-8", "surrogateescape"))
        out[name] = d
    out["missing"] = root / "no-such-dir"
    return out


def test_bad_rule_packs_are_one_line_errors(cli, bad_rules):
    for name, rules in bad_rules.items():
        commands = [["rules", "list", "--rules", str(rules)]]
        if name in ("syntax", "bad-regex"):
            commands.append(["rules", "test", str(rules)])
        for args in commands:
            run = cli(*args)
            assert_clean(run, args)
            assert run.code == 2, (name, args, run.out)


def test_a_bad_rule_pack_is_a_one_line_error_in_every_command(cli, bad_rules, index, tmp_path):
    rules = str(bad_rules["tag"])
    for args in (["notices", str(DRAFT), "--rules", rules], ["check", str(DRAFT), "--corpus", index, "--rules", rules],
                 ["corpus", "add", str(DRAFT), "--index", str(tmp_path / "x.sqlite"), "--rules", rules, "-j", "1"],
                 ["audit", str(DRAFT), "--jobs", "1", "--rules", rules],
                 ["baseline", "update", str(DRAFT), "--corpus", index, "--rules", rules]):
        run = cli(*args)
        assert_clean(run, args)
        assert run.code == 2 and "YAML tag !!python/object/apply:os.system is not allowed" in run.err, args


BAD_CONFIGS = {
    "syntax": "[tool.compliance\ncorpus = 1\n",
    "unknown-key": "[tool.compliance]\ncolour = 'red'\n",
    "wrong-type": "[tool.compliance]\nfail-on = 5\nrules = 'not-a-list'\n",
    "bad-limits": "[tool.compliance]\n[tool.compliance.limits]\nmax-file-size = 'lots'\n",
    "missing-rules": "[tool.compliance]\nrules = ['no-such-dir']\n",
    "not-utf8": "[tool.compliance]\ncorpus = '\udcff'\n",
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_bad_configs_are_one_line_errors(cli, monkeypatch, tmp_path, index, name):
    (tmp_path / ".compliance.toml").write_bytes(BAD_CONFIGS[name].encode("utf-8", "surrogateescape"))
    draft = tmp_path / "draft.md"
    shutil.copy(DRAFT, draft)
    monkeypatch.chdir(tmp_path)
    for args in (["check", "draft.md", "--corpus", index], ["notices", "draft.md"], ["audit", "draft.md", "-j", "1"],
                 ["corpus", "list"], ["corpus", "stats"], ["corpus", "add", "draft.md", "-j", "1", "-q"],
                 ["baseline", "update", "draft.md", "--corpus", index],
                 ["check", str(DRAFT), "--corpus", index, "--config", str(tmp_path / ".compliance.toml")],
                 ["check", str(DRAFT), "--corpus", index, "--config", str(tmp_path / "missing.toml")]):
        assert_clean(cli(*args), args)


def _bad_indexes(root: Path, index: str) -> dict[str, Path]:
    out = {"missing": root / "missing.sqlite", "directory": root / "dir.sqlite"}
    out["directory"].mkdir()
    (root / "empty.sqlite").write_bytes(b"")
    (root / "garbage.sqlite").write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 40)
    (root / "text.sqlite").write_text("not a database\n", encoding="utf-8")
    data = Path(index).read_bytes()
    (root / "truncated.sqlite").write_bytes(data[: len(data) // 3])
    import sqlite3

    other = sqlite3.connect(root / "other.sqlite")
    other.execute("CREATE TABLE t (x)")
    other.commit()
    other.close()
    for name in ("empty", "garbage", "text", "truncated", "other"):
        out[name] = root / f"{name}.sqlite"
    return out


def test_corpus_commands_on_broken_indexes(cli, tmp_path, index):
    for name, path in _bad_indexes(tmp_path, index).items():
        for args in (["corpus", "list", "--index", str(path)], ["corpus", "stats", "--index", str(path)],
                     ["corpus", "stats", "--index", str(path), "-f", "json"],
                     ["corpus", "remove", "abc", "--index", str(path)],
                     ["check", str(DRAFT), "--corpus", str(path), "-f", "json"],
                     ["baseline", "update", str(DRAFT), "--corpus", str(path), "--baseline",
                      str(tmp_path / "b.json")]):
            run = cli(*args)
            assert_clean(run, args)
            assert run.code == 2, (name, args, run.out)


def test_unwritable_outputs_are_one_line_errors(cli, tmp_path, index):
    targets = [tmp_path / "no-such-dir" / "out.json", tmp_path, Path("/proc/version")]
    for target in targets:
        for args in (["notices", str(DRAFT), "-o", str(target)], ["check", str(DRAFT), "--corpus", index, "-o",
                                                                  str(target)],
                     ["corpus", "list", "--index", index, "-o", str(target)],
                     ["audit", str(DRAFT), "-j", "1", "-o", str(target)]):
            run = cli(*args)
            assert_clean(run, args)
            assert run.code == 2, (args, run.out)
