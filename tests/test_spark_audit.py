"""``compliance audit --engine spark``: the same records and clusters as the local engine, resume, retries.

One SparkSession (``local[2]``, loopback only) serves the whole module; it is stopped at the end so other
modules build their own.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyspark")

from compliance.audit.report import summarize as local_summarize  # noqa: E402
from compliance.config import Config  # noqa: E402
from tests.test_audit_support import page, run, story, warc_bytes, write  # noqa: E402

AEB = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "archive-aeb" / "html"
PAGES = sorted(AEB.glob("*.html.gz"))
needs_aeb = pytest.mark.skipif(not PAGES, reason="../shared/data/archive-aeb not available")
COMPARED = ("path", "record", "url", "title", "publisher", "license", "notices", "signals", "verdicts", "cluster",
            "error")
TIMES = "https://www.times.example/2024/harbour-story"
HTML = [("Content-Type", "text/html")]


@pytest.fixture(scope="module")
def spark():
    from compliance.spark.audit import session_conf, with_retries
    from compliance.spark.session import spark_session

    session = spark_session(with_retries("local[2]"), session_conf({}))
    yield session
    session.stop()


def spark_run(paths: list[str], out: Path, resume: bool = False, extract: str = "full", fmt: str = "jsonl"):
    """The Spark engine in-process: (records in input order, run, summary)."""
    from compliance.spark.audit import SparkAuditOptions, iter_records, read_specs, run_spark_audit, summarize

    options = SparkAuditOptions(master="local[2]", records_dir=out, resume=resume, extract=extract,
                                records_format=fmt)
    result, session, files = run_spark_audit(read_specs(paths), options, Config())
    summary = summarize(session, out, files, result.severity)
    return list(iter_records(out, files, fmt)), result, summary


def keyed(records: list[dict]) -> dict:
    return {(r["path"], r["record"]): {k: r[k] for k in COMPARED} for r in records}


def assert_same(local: list[dict], spark_records: list[dict]) -> None:
    assert len(spark_records) == len(local)
    a, b = keyed(local), keyed(spark_records)
    assert a.keys() == b.keys()
    for key in a:
        assert b[key] == a[key], key


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Pages with syndicated copies (one copy inside a WARC), a WARC with robots.txt and header signals, a WARC
    with a corrupt record, a JSONL dump with a bad line, an unreadable page: what the audit tests exercise."""
    d = tmp_path_factory.mktemp("archive")
    text = story(1)
    write(d / "times" / "story.html", page("Harbour deal", text, "Example Times", TIMES, nav_seed=1))
    write(d / "a" / "copy.html", page("Harbour deal", text, "Valley Courier", "https://courier.example/h",
                                      extra="<p>Source: Example Times</p>", nav_seed=2))
    write(d / "b" / "copy.html", page("Harbour deal agreed", text, "Nordblick", "https://nordblick.example/hafen",
                                      extra="<p>Dieser Artikel stammt von Example Times.</p>", nav_seed=3))
    write(d / "d" / "excerpt.html", page("Harbour deal (excerpt)", text[:3], "Coast Radio", "https://radio.example/x",
                                         nav_seed=5, extra="<p>Source: Example Times</p>"))
    write(d / "times" / "other.html", page("Storm warning", story(2), "Example Times",
                                           "https://www.times.example/2024/storm", nav_seed=1))
    for i in range(3):  # a story with no provenance notice: a cluster whose original stays unknown
        write(d / f"s{i}" / "p.html", page("Same story", story(7), f"Site {i}", f"https://s{i}.example/",
                                           nav_seed=10 + i))
    write(d / "broken.html.gz", b"\x1f\x8b\x08\x00truncated")
    site = [("https://news.example/a", page("A", story(30), "News"), HTML),
            ("https://other.example/b", page("B", story(31), "Other"), HTML),
            ("https://digest.example/1", page("Harbour", text, "Daily Wire Digest", "https://digest.example/1",
                                              extra=f"<p>This article first appeared on {TIMES}</p>", nav_seed=4),
             [*HTML, ("tdm-reservation", "1")]),
            ("https://news.example/robots.txt", b"User-agent: GPTBot\nDisallow: /\n", [("Content-Type", "text/plain")])]
    write(d / "site.warc.gz", warc_bytes(site))
    write(d / "z-crawl.warc.gz", _damaged_warc())
    lines = [json.dumps({"url": f"https://j.example/{i}", "title": f"J{i}", "text": " ".join(story(50 + i))})
             for i in range(3)]
    write(d / "dump.jsonl", "\n".join([lines[0], "{not json", *lines[1:]]).encode() + b"\n")
    return d


def _damaged_warc() -> bytes:
    """Five pages with garbage inside the third (as tests/test_audit_input.py builds it)."""
    import io

    from warcio.archiveiterator import ArchiveIterator

    data = warc_bytes([(f"https://w.example/{i}", page(f"W{i}", story(70 + i), "W Site"), HTML) for i in range(5)])
    it = ArchiveIterator(io.BytesIO(data))
    offsets = []
    for rec in it:
        offsets.append(it.get_record_offset())
        rec.content_stream().read()
    mid = (offsets[3] + offsets[4]) // 2
    return data[:mid] + b"\x00\xffGARBAGE" * 8 + data[mid + 40:]


@pytest.fixture(scope="module")
def local_archive(archive, tmp_path_factory):
    return run([str(archive)], tmp_path_factory.mktemp("local") / "records.jsonl", jobs=2)


@pytest.fixture(scope="module")
def spark_archive(spark, archive, tmp_path_factory):
    out = tmp_path_factory.mktemp("spark") / "records"
    return (*spark_run([str(archive)], out), out)


# --- equivalence -------------------------------------------------------------------------------------


@needs_aeb
def test_real_pages_give_the_local_records_and_summary(spark, tmp_path):
    local, local_run = run([str(AEB)], tmp_path / "local.jsonl", jobs=2)
    records, result, summary = spark_run([str(AEB)], tmp_path / "spark")
    assert_same(local, records)
    assert result.written == len(PAGES) and result.errors == local_run.errors == 0
    assert [c.to_dict() for c in result.clusters] == [c.to_dict() for c in local_run.clusters]
    assert summary.to_dict() == local_summarize(local, local_run.severity).to_dict()


def test_archive_gives_the_local_records_clusters_and_summary(local_archive, spark_archive):
    local, local_run = local_archive
    records, result, summary, _ = spark_archive
    assert_same(local, records)
    assert [c.to_dict() for c in result.clusters] == [c.to_dict() for c in local_run.clusters]
    assert len(result.clusters) == 2 and sum(len(c.members) for c in result.clusters) == 8
    original = next(c for c in result.clusters if len(c.members) == 5).original
    assert original is not None and original[0].endswith("times/story.html")
    assert result.errors == local_run.errors >= 3  # a cut-off gzip, a corrupt WARC record, a bad JSONL line
    assert summary.to_dict() == local_summarize(local, local_run.severity).to_dict()
    assert summary.errors == local_summarize(local, local_run.severity).errors  # the same first errors, in order


def test_nothing_to_audit_and_records_not_read_agree_with_the_local_engine(spark, cli, tmp_path):
    """No document at all is exit 2 naming the input, as locally; a WARC's PDF and image are counted by media
    type in the tasks' summary lines and merged into the same summary as the local engine's."""
    write(tmp_path / "empty.jsonl", b"")
    res = cli("audit", tmp_path / "empty.jsonl", "--engine", "spark", "--spark-master", "local[2]")
    assert res.code == 2 and res.out == "" and "empty.jsonl: nothing to audit: no documents" in res.err
    mixed = write(tmp_path / "in" / "mixed.warc.gz", warc_bytes([
        ("https://x.example/a.pdf", b"%PDF-1.4 ...", [("Content-Type", "application/pdf")]),
        ("https://news.example/a", page("A", story(30), "News"), HTML),
        ("https://x.example/logo.png", b"\x89PNG....", [("Content-Type", "image/png")])]))
    local, local_run = run([mixed], tmp_path / "local.jsonl")
    records, _, summary = spark_run([mixed], tmp_path / "spark")
    assert_same(local, records)
    assert summary.to_dict() == local_summarize(local, local_run.severity, local_run.not_read).to_dict()
    assert summary.to_dict()["not_read"] == {"application/pdf": 1, "image/png": 1}


def test_a_summary_line_without_not_read_reads_as_none(tmp_path):
    """Parts written before the not-read count keep resuming: a missing field is an empty count."""
    from compliance.spark.audit import PartSummary

    sketches = tmp_path / "part-x.jsonl"
    sketches.write_text('{"unit": "x", "files": []}\n{"summary": {"groups": [["P", false, "allow", "allowed", '
                        '"none", false, 2]], "errors": []}}\n', encoding="utf-8")
    got = PartSummary.read(sketches)
    assert got.not_read == {} and sum(got.groups.values()) == 2
    assert got.merge(PartSummary(not_read={"image/png": 1}), {}).not_read == {"image/png": 1}


def test_output_directory_layout(spark_archive):
    _, _, _, out = spark_archive
    parts = sorted(out.glob("part-*.jsonl"))
    assert (out / "_SUCCESS").exists() and parts
    assert sorted(p.name for p in (out / "_fingerprints").iterdir()) == [p.name for p in parts]
    assert not list(out.glob(".*"))  # no temporary file left
    keys = [(r["path"], r["record"]) for p in parts for r in map(json.loads, p.read_text().splitlines())]
    assert len(keys) == len(set(keys))


def test_parquet_parts_hold_the_same_records(spark, archive, local_archive, tmp_path):
    local, local_run = local_archive
    out = tmp_path / "records"
    records, result, summary = spark_run([str(archive)], out, fmt="parquet")
    assert_same(local, records)
    assert summary.to_dict() == local_summarize(local, local_run.severity).to_dict()
    parts = sorted(out.glob("part-*.parquet"))
    assert parts and not list(out.glob("part-*.jsonl"))
    df = spark.read.parquet(str(out))
    assert df.count() == len(local)
    assert df.where("store = 'deny'").count() == sum(
        1 for r in local if r["verdicts"] and r["verdicts"]["store"]["verdict"] == "deny")
    assert df.where("cluster is not null").count() == 8  # the cluster fields were filled into the parts
    records, result, _ = spark_run([str(archive)], out, resume=True, fmt="parquet")
    assert result.written == 0 and len(records) == len(local)


def test_resuming_into_parts_of_another_format_is_refused(spark, archive, spark_archive, tmp_path):
    import shutil

    from compliance.errors import ConfigError

    out = tmp_path / "records"
    shutil.copytree(spark_archive[3], out)
    with pytest.raises(ConfigError, match="jsonl parts"):
        spark_run([str(archive)], out, resume=True, fmt="parquet")


def test_resuming_parts_without_a_summary_line_is_refused(spark, archive, spark_archive, tmp_path):
    """Parts of an older engine have no summary line in their sketches: resuming them is one clear error."""
    import shutil

    from compliance.errors import ConfigError

    out = tmp_path / "records"
    shutil.copytree(spark_archive[3], out)
    sketches = sorted((out / "_fingerprints").glob("part-*.jsonl"))[0]
    lines = sketches.read_text(encoding="utf-8").splitlines(keepends=True)
    assert '"summary"' in lines[-1]
    sketches.write_text("".join(lines[:-1]), encoding="utf-8")
    with pytest.raises(ConfigError, match="no summary line.*without --resume"):
        spark_run([str(archive)], out, resume=True)


def test_the_host_pass_as_a_spark_job_equals_the_drivers(spark, archive):
    """On a local master the driver reads the host files while the JVM starts; on a cluster it is a Spark
    job: both give the same host files (robots.txt here) and the same errors (the damaged WARC), in order."""
    from compliance.spark.audit import collect_hosts, expand

    files = expand(None, [str(archive)])
    on_driver = collect_hosts(None, files)
    assert on_driver == collect_hosts(spark, files)
    assert [url for url, _ in on_driver[0]] == ["https://news.example/robots.txt"]


def test_loopback_only(spark):
    assert spark.conf.get("spark.driver.bindAddress") == "127.0.0.1"
    assert spark.conf.get("spark.driver.host") == "127.0.0.1"
    assert os.environ.get("SPARK_LOCAL_IP") == "127.0.0.1"
    assert spark.sparkContext.master == "local[2,4]"  # local mode retries failed tasks too


def test_a_local_driver_jvm_gets_the_quick_compiler_and_serial_collector_unless_the_user_chooses():
    """On a local master the JVM only schedules (the documents are scanned in Python workers): its C2 compiler
    and concurrent collector would take cores from them. The user's own choices win; a cluster is left alone."""
    from compliance.spark.session import spark_conf

    local = spark_conf("local[2]")["spark.driver.extraJavaOptions"].split()
    assert {"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"} <= set(local)
    mine = spark_conf("local[2]", {"spark.driver.extraJavaOptions": "-XX:+UseG1GC -XX:-TieredCompilation"})
    java = mine["spark.driver.extraJavaOptions"].split()
    assert "-XX:+UseG1GC" in java and "-XX:-TieredCompilation" in java
    assert not {"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"} & set(java)  # two collectors: the JVM refuses
    cluster = spark_conf("yarn")["spark.driver.extraJavaOptions"]
    assert "-XX:" not in cluster and "log4j2.configurationFile" in cluster


def test_the_running_local_jvm_has_those_options(spark):
    java = spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
    assert {"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"} <= {str(a) for a in java}


def test_python_workers_do_not_import_from_their_working_directory(spark):
    # an html.py in the directory Spark was started from shadowed the stdlib in every worker
    assert spark.conf.get("spark.executorEnv.PYTHONSAFEPATH") == "1"
    assert spark.sparkContext.parallelize([0], 1).map(lambda _: __import__("sys").flags.safe_path).collect() == [True]


# --- resume and retries ------------------------------------------------------------------------------


def _stamps(out: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("part-*.jsonl")}


def test_resume_skips_complete_parts_and_redoes_a_missing_one(spark, archive, spark_archive, tmp_path):
    import shutil

    first, _, _, done = spark_archive
    out = tmp_path / "records"
    shutil.copytree(done, out)
    before = _stamps(out)
    records, result, _ = spark_run([str(archive)], out, resume=True)
    assert result.written == 0 and _stamps(out) == before  # nothing audited, nothing rewritten
    assert keyed(records) == keyed(first)
    lost = sorted(out.glob("part-*.jsonl"))[0]
    n = len(lost.read_text().splitlines())
    lost.unlink()
    (out / ".part-x.deadbeef.tmp").write_text("a torn attempt\n")
    records, result, summary = spark_run([str(archive)], out, resume=True)
    assert result.written == n and summary.total.docs == len(first)
    assert keyed(records) == keyed(first)
    assert not list(out.glob(".*"))


def test_a_failed_task_is_retried_without_duplicate_records(spark, archive, spark_archive, tmp_path, monkeypatch):
    from compliance.spark.audit import FAIL_ONCE_ENV

    first = spark_archive[0]
    monkeypatch.setenv(FAIL_ONCE_ENV, "site.warc.gz")
    sc = spark.sparkContext
    sc.setJobGroup("retry-test", "a task that dies once")
    try:
        records, result, _ = spark_run([str(archive)], tmp_path / "records")
    finally:
        sc.setLocalProperty("spark.jobGroup.id", None)
    tracker = sc.statusTracker()
    failed = sum(tracker.getStageInfo(s).numFailedTasks for j in tracker.getJobIdsForGroup("retry-test")
                 for s in tracker.getJobInfo(j).stageIds if tracker.getStageInfo(s) is not None)
    assert failed >= 1  # the injected failure happened, and Spark retried it
    keys = [(r["path"], r["record"]) for r in records]
    assert len(keys) == len(set(keys)) == len(first)
    assert keyed(records) == keyed(first)


# --- inputs: URIs and manifests ----------------------------------------------------------------------


def test_file_uris_and_a_manifest(spark, archive, spark_archive, tmp_path):
    first = keyed(spark_archive[0])
    manifest = tmp_path / "inputs.txt"
    manifest.write_text(f"# one per line\n{archive / 'site.warc.gz'}\n\nfile://{archive / 'dump.jsonl'}\n"
                        f"file://{archive / 'times'}\n", encoding="utf-8")
    records, result, _ = spark_run([f"@{manifest}"], tmp_path / "records")
    got = {(r["path"].removeprefix("file:"), r["record"]): r for r in records}
    assert {r["path"] for r in records if r["path"].startswith("file:")}  # URIs keep their Hadoop spelling
    assert len(got) == len(records) == 9  # 3 WARC pages + 3 JSONL lines + a bad line + 2 pages
    for key, record in got.items():
        assert {k: record[k] for k in COMPARED if k not in ("path", "cluster")} == \
            {k: v for k, v in first[key].items() if k not in ("path", "cluster")}


# --- the command line --------------------------------------------------------------------------------


def test_cli_json_matches_the_local_summary(spark, cli, archive, local_archive, tmp_path):
    local, local_run = local_archive
    result = cli("audit", str(archive), "--engine", "spark", "--spark-master", "local[2]", "--records",
                 tmp_path / "out", "--format", "json")
    assert result.code == 1  # store:deny and unreadable documents at --fail-on error
    data = json.loads(result.out)
    expected = local_summarize(local, local_run.severity).to_dict()
    assert {k: v for k, v in data["summary"].items() if k != "line"} == expected
    assert data["clusters"] == [c.to_dict() for c in local_run.clusters]
    assert len(data["records"]) == len(local)


def test_cli_text_report(spark, cli, archive, tmp_path):
    result = cli("audit", str(archive / "times"), "--engine", "spark", "-j", "2")
    assert result.code == 0, result.err
    assert "2 documents (2 audited now, 0 from an earlier run)" in result.out


def test_spark_master_without_the_spark_engine_is_a_usage_error(cli, tmp_path):
    path = write(tmp_path / "p.html", page("P", story(3), "Site"))
    result = cli("audit", path, "--spark-master", "local[2]")
    assert result.code == 2 and "--spark-master" in result.err and "--engine spark" in result.err


def test_jobs_with_a_spark_master_is_a_usage_error(cli, tmp_path):
    path = write(tmp_path / "p.html", page("P", story(3), "Site"))
    result = cli("audit", path, "--engine", "spark", "--spark-master", "local[2]", "-j", "2")
    assert result.code == 2 and "--jobs" in result.err


def test_records_file_name_with_the_spark_engine_is_a_usage_error(cli, tmp_path):
    path = write(tmp_path / "p.html", page("P", story(3), "Site"))
    result = cli("audit", path, "--engine", "spark", "--records", tmp_path / "out.jsonl")
    assert result.code == 2 and "directory" in result.err


def test_a_records_directory_holding_other_files_is_refused(spark, cli, tmp_path):
    path = write(tmp_path / "p.html", page("P", story(3), "Site"))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    result = cli("audit", path, "--engine", "spark", "--records", tmp_path / "out")
    assert result.code == 2 and "notes.txt" in result.err and (tmp_path / "out" / "notes.txt").exists()


def test_missing_input_is_one_line_before_spark_starts(cli, tmp_path):
    result = cli("audit", str(tmp_path / "nope"), "--engine", "spark")
    assert result.code == 2 and "no such file" in result.err and "Traceback" not in result.err


def test_without_pyspark_one_line_naming_the_extra(cli, tmp_path, monkeypatch):
    path = write(tmp_path / "p.html", page("P", story(3), "Site"))
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if the extra were not installed
    result = cli("audit", path, "--engine", "spark")
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "'spark' extra" in lines[0] and "pip install 'compliance[spark]'" in lines[0]


def test_gzip_page_read_through_a_uri(spark, tmp_path):
    """A single remote page is read whole (binaryFile) and parsed by the same reader as a local one."""
    src = write(tmp_path / "in" / "p.html.gz", gzip.compress(page("Gz", story(9), "Gz Site", "https://gz.example/")))
    local, _ = run([src], tmp_path / "local.jsonl")
    records, _, _ = spark_run([f"file://{src}"], tmp_path / "records")
    assert [r["path"] for r in records] == [f"file:{src}"]
    assert {k: v for k, v in records[0].items() if k != "path"} == {k: v for k, v in local[0].items() if k != "path"}


def test_local_engine_refuses_a_records_directory(cli, tmp_path):
    path = write(tmp_path / "p.html", page("P", story(3), "Site"))
    (tmp_path / "out").mkdir()
    result = cli("audit", path, "--records", tmp_path / "out")
    assert result.code == 2 and "is a directory" in result.err


@pytest.mark.parametrize("df_cap", [3, 200])
def test_the_join_gives_the_local_index_components_with_boilerplate_over_the_cap(spark, df_cap):
    """Random sketches with copies, excerpts and fingerprints shared by many documents (more than df_cap + 1,
    so the input order decides who still counts them): the join's components are the local index's."""
    import random
    from array import array

    from compliance.audit.clusters import ClusterIndex
    from compliance.audit.records import DocInfo
    from compliance.spark.clusters import _components, _edges

    rnd = random.Random(df_cap)
    stock = [4 * i for i in range(12)]  # boilerplate: in most documents
    stories = [[4 * (100 + 50 * s + j) for j in range(40)] for s in range(15)]
    sketches = []
    for _ in range(80):
        story_ = rnd.choice(stories)
        kind = rnd.random()
        body = story_ if kind < 0.4 else rnd.sample(story_, rnd.randint(5, 30)) if kind < 0.8 else \
            [4 * rnd.randint(2000, 9000) for _ in range(rnd.randint(2, 30))]
        sketches.append(sorted(set(body) | set(rnd.sample(stock, rnd.randint(0, len(stock))))))
    local = ClusterIndex(df_cap=df_cap)
    for i, sk in enumerate(sketches):
        local.add(DocInfo((f"d{i:03d}", None), None, array("q", sk)))
    expected = [[int(k[0][1:]) for k in c.members] for c in local.clusters()]
    docs = spark.sparkContext.parallelize(list(enumerate(sketches)), 3)
    got = _components(_edges(docs, ClusterIndex(df_cap=df_cap)))
    assert got == expected and len(expected) >= 3


@pytest.mark.parametrize("block", [4, 7, 1 << 16])
def test_last_line_is_read_from_the_end_whatever_the_block(tmp_path, block):
    from compliance.spark.audit import _last_line

    path = tmp_path / "s.jsonl"
    path.write_text('{"files": []}\n{"path": "a"}\n{"summary": {"groups": [["x", 1]]}}\n', encoding="utf-8")
    assert _last_line(path, block) == '{"summary": {"groups": [["x", 1]]}}\n'
    path.write_text("one line, no newline", encoding="utf-8")
    assert _last_line(path, block) == "one line, no newline"
