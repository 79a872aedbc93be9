"""``compliance corpus add --engine spark``: the same index as the local engine, so the same ``check`` JSON.

One SparkSession (``local[2]``, loopback only) serves the whole module (the in-process CLI gets it back from
``getOrCreate``); it is stopped at the end so other modules build their own. Both corpora are built once from
the same sources: the fixture corpus, the 181 real pages of ``../shared/data/archive-aeb`` when present, a JSONL
dump of several records, a WARC of a dozen of those pages and a ``.html.gz`` that is not gzip data, which neither
engine can read.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyspark")

from compliance.reuse.index import CorpusIndex  # noqa: E402
from tests.conftest import DATA, ROOT  # noqa: E402

AEB = DATA / "archive-aeb" / "html"
DRAFTS = [ROOT / "fixtures" / "drafts" / "showcase.md", ROOT / "fixtures" / "drafts" / "reuse-mixed.md"]
MASTER = "local[2]"


@pytest.fixture(scope="module")
def spark():
    from compliance.spark.session import spark_session, with_retries

    session = spark_session(with_retries(MASTER))
    yield session
    session.stop()


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("sources")
    shutil.copytree(ROOT / "fixtures" / "corpus", d / "fixtures")
    if AEB.is_dir():
        shutil.copytree(AEB, d / "aeb")
    texts = news(5)
    (d / "dump.jsonl").write_text("".join(json.dumps({"text": t, "url": f"https://wiki.example/{i}"}) + "\n"
                                          for i, t in enumerate(texts)), encoding="utf-8")
    (d / "broken.html.gz").write_bytes(b"not gzip data at all")
    pages = sorted(AEB.glob("*.html.gz"))[:12] if AEB.is_dir() else []
    if pages:  # a WARC: many documents from one file, one Spark task
        from tests.test_audit_support import warc_bytes

        records = [(f"https://archive.example/{i}", gzip.decompress(p.read_bytes()), [("Content-Type", "text/html")])
                   for i, p in enumerate(pages)]
        (d / "crawl.warc.gz").write_bytes(warc_bytes(records))
    return d


def news(count: int) -> list[str]:
    """Real news texts from ../shared, else the fixture corpus's texts (a JSONL dump of copies)."""
    wiki = DATA / "wikinews-de.jsonl"
    if not wiki.exists():
        return [p.read_text(encoding="utf-8") for p in sorted((ROOT / "fixtures" / "corpus").glob("*.md"))][:count]
    with open(wiki, encoding="utf-8") as fh:
        return [json.loads(line)["text"] for _, line in zip(range(count), fh, strict=False)]


def add(cli, sources: Path, index: Path, *args: str):
    """``corpus add`` of the sources by their relative name (run from their parent: paths as a user names them)."""
    return cli("corpus", "add", sources.name, "--index", str(index), *args)


@pytest.fixture(scope="module")
def built(spark, sources, tmp_path_factory):
    """(local index, spark index, their two `corpus add` runs): the same relative paths, from the same cwd."""
    from compliance.cli import main

    out = tmp_path_factory.mktemp("indexes")
    runs = {}
    mp = pytest.MonkeyPatch()
    mp.chdir(sources.parent)
    try:
        for name, extra in (("local", ["-j", "2"]), ("spark", ["--engine", "spark", "--spark-master", MASTER])):
            runs[name] = _run(main, ["corpus", "add", sources.name, "--index", str(out / f"{name}.sqlite"), *extra])
    finally:
        mp.undo()
    return out / "local.sqlite", out / "spark.sqlite", runs


def _run(main, args: list[str]) -> tuple[int, str, str]:
    """The CLI in-process with its streams captured (the module-scoped fixture cannot use capsys)."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exit_info:
        main(args)
    return exit_info.value.code, out.getvalue(), err.getvalue()


def own_lines(err: str) -> list[str]:
    """Our stderr lines (a new JVM may print its own before the log level is set)."""
    return [x for x in err.splitlines() if x.startswith("compliance:")]


def test_add_reports_the_same_and_skips_the_unreadable_file(built):
    local, spark_index, runs = built
    (lcode, lout, lerr), (scode, sout, serr) = runs["local"], runs["spark"]
    assert lcode == scode == 0, (lerr, serr)
    assert lout.replace(str(local), "I") == sout.replace(str(spark_index), "I")
    assert lout.split(";")[0].endswith("1 files skipped")
    assert own_lines(lerr) == own_lines(serr) and any("broken.html.gz" in x for x in own_lines(serr))


def test_list_and_stats_are_the_same(cli, built):
    local, spark_index, _ = built
    listed = [json.loads(cli("corpus", "list", "--index", str(i), "-f", "json").out) for i in (local, spark_index)]
    assert listed[0] == listed[1]
    assert len(listed[0]) >= 9 + 5 + (181 + 12 if AEB.is_dir() else 0)
    if AEB.is_dir():
        assert sum(r["path"].endswith("crawl.warc.gz") and r["record"] is not None for r in listed[0]) == 12
    stats = [json.loads(cli("corpus", "stats", "--index", str(i), "-f", "json").out) for i in (local, spark_index)]
    for s in stats:  # the file's size depends on where the writer's transactions fell (time-bounded), not content
        s.pop("path"), s.pop("bytes")
    assert stats[0] == stats[1]


def test_check_json_is_the_same(cli, built, tmp_path):
    local, spark_index, _ = built
    drafts = [*map(str, DRAFTS), str(planted_draft(local, tmp_path))]
    out = []
    for index in (local, spark_index):
        run = cli("check", *drafts, "--corpus", str(index), "--format", "json")
        assert run.code == 1, run.err
        out.append(run.out.replace(str(index), "INDEX"))
    assert out[0] == out[1]
    data = json.loads(out[1])
    assert data["summary"]["passages"] >= 10
    if AEB.is_dir():
        assert any("/aeb/" in m["source"]["path"] for f in data["files"] for m in f["matches"])


def planted_draft(index: Path, tmp_path: Path) -> Path:
    """A draft that takes a passage from each of three archive pages (or JSONL records), between its own lines."""
    with CorpusIndex(index) as idx:
        rows = [r for r in idx.list() if "/aeb/" in r["path"] or r["record"] is not None]
        texts = [idx.get(r["id"]).text for r in sorted(rows, key=lambda r: -r["words"])[:3]]
    parts = ["# Draft\n", "Our own opening lines say what this week brought.\n"]
    for text in texts:
        words = text.split()
        parts.append(" ".join(words[len(words) // 3:len(words) // 3 + 70]) + "\n")
        parts.append("Then we add a sentence of our own before the next part.\n")
    draft = tmp_path / "planted.md"
    draft.write_text("\n".join(parts), encoding="utf-8")
    return draft


def test_readd_is_unchanged_and_a_new_file_is_added(cli, built, sources, tmp_path, monkeypatch):
    _, spark_index, _ = built
    copy = tmp_path / "copy.sqlite"
    shutil.copy(spark_index, copy)
    monkeypatch.chdir(sources.parent)
    run = add(cli, sources, copy, "--engine", "spark", "--spark-master", MASTER)
    assert run.code == 0 and run.out.startswith("0 added, 0 replaced, "), run.err
    (sources / "fixtures" / "new.md").write_text("# New\n\nA new source about harbour cranes and tides.\n",
                                                 encoding="utf-8")
    try:
        run = add(cli, sources, copy, "--engine", "spark", "--spark-master", MASTER, "-q")
        assert run.code == 0 and run.out == ""
        with CorpusIndex(copy) as idx:
            assert any(r["path"].endswith("new.md") for r in idx.list())
    finally:
        (sources / "fixtures" / "new.md").unlink()


def test_errors_are_one_line_exit_2_as_local(cli, spark, sources, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = str(sources / "broken.html.gz")
    mixed = tmp_path / "mixed"  # the unreadable file named explicitly comes first: the jobs after it are cancelled
    shutil.copytree(ROOT / "fixtures" / "corpus", mixed)
    shutil.copy(bad, mixed / "a-broken.html.gz")
    for args in ([str(empty)], [bad], [str(mixed), str(mixed / "a-broken.html.gz")]):
        runs = [cli("corpus", "add", *args, "--index", str(tmp_path / f"{e}.sqlite"), *extra)
                for e, extra in (("l", []), ("s", ["--engine", "spark", "--spark-master", MASTER]))]
        assert runs[0].code == runs[1].code == 2
        assert own_lines(runs[0].err) == [x.replace("s.sqlite", "l.sqlite") for x in own_lines(runs[1].err)]
        assert len(own_lines(runs[1].err)) == 1 and "Traceback" not in runs[1].err
    run = cli("corpus", "add", str(empty), "-i", str(tmp_path / "x.sqlite"), "--engine", "spark",
              "--spark-master", MASTER, "-j", "2")
    assert run.code == 2 and "--jobs" in run.err
    run = cli("corpus", "add", str(empty), "-i", str(tmp_path / "x.sqlite"), "--spark-master", MASTER)
    assert run.code == 2 and "--spark-master" in run.err


def test_missing_pyspark_is_one_line_naming_the_extra(cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark -> ImportError
    index = tmp_path / "i.sqlite"
    run = cli("corpus", "add", str(ROOT / "fixtures" / "corpus"), "--index", str(index), "--engine", "spark")
    assert run.code == 2
    (line,) = run.err.strip().splitlines()
    assert "'spark' extra" in line and "pip install 'compliance[spark]'" in line
    assert not index.exists()  # checked before the index is created


def test_plan_keeps_order_and_puts_a_large_file_alone(tmp_path):
    from compliance.spark.corpus import TASK_BYTES, plan_tasks

    small = []
    for i in range(40):
        p = tmp_path / f"s{i:02d}.txt"
        p.write_bytes(b"x" * 1000)
        small.append((str(p), None))
    big = tmp_path / "big.jsonl"
    with open(big, "wb") as fh:
        fh.truncate(3 * TASK_BYTES)  # sparse: a large shard without writing it
    tasks = small[:20] + [(str(big), "known")] + small[20:]
    groups = plan_tasks(tasks, cores=2)
    assert [t for g in groups for t in g] == tasks
    assert [(str(big), "known")] in groups
    assert len(groups) >= 3 and all(groups)
    assert plan_tasks([], cores=2) == [] and plan_tasks(small[:1], cores=2) == [small[:1]]


def test_config_extensions_and_limits_reach_the_tasks(cli, spark, tmp_path, monkeypatch):
    """The tasks read as the driver's command was told to: a suffix mapped to Markdown in the config (its heading
    becomes the title) and --max-file-size (a larger file is skipped with the same warning)."""
    (tmp_path / "pyproject.toml").write_text('[tool.compliance]\nextensions = { ".note" = "markdown" }\n',
                                             encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.note").write_text("# Harbour cranes\n\nThe cranes at the harbour were replaced this spring.\n",
                                 encoding="utf-8")
    (docs / "big.txt").write_text("A long line of text about tides. " * 200, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    runs, listed = [], []
    try:
        for name, extra in (("l", []), ("s", ["--engine", "spark", "--spark-master", MASTER])):
            runs.append(cli("corpus", "add", "docs", "--index", f"{name}.sqlite", "--max-file-size", "2k", *extra))
            listed.append(json.loads(cli("corpus", "list", "--index", f"{name}.sqlite", "-f", "json").out))
    finally:  # the command set them process-wide: later tests that call the engines directly must not see them
        from compliance import limits
        from compliance.readers import configure

        limits.reset()
        configure({}, [])
    assert runs[0].code == runs[1].code == 0, runs[1].err
    assert own_lines(runs[0].err) == own_lines(runs[1].err) and "big.txt" in runs[1].err
    assert listed[0] == listed[1] and [r["title"] for r in listed[1]] == ["Harbour cranes"]


def test_a_failing_task_is_one_line_without_spark_log(spark, capfd):
    """A task that fails on every attempt (here: rules the executors cannot load) ends the add with one line naming
    the task's error, and Spark's log (stack traces of the attempts) stays off stderr."""
    import dataclasses

    from compliance.config import Config
    from compliance.errors import ConfigError
    from compliance.spark.corpus import spark_preparer

    preparer = spark_preparer(MASTER, Config(), None, None)
    preparer.job = dataclasses.replace(preparer.job, rule_dirs=("/nonexistent/rules",))
    tasks = [(str(p), None) for p in sorted((ROOT / "fixtures" / "corpus").glob("*.md"))]
    with pytest.raises(ConfigError) as err, preparer:
        list(preparer(tasks))
    assert str(err.value).startswith("Spark job failed: ") and "/nonexistent/rules" in str(err.value)
    assert "\n" not in str(err.value)
    captured = capfd.readouterr()
    assert "Exception" not in captured.err and "\tat " not in captured.err, captured.err[-2000:]
