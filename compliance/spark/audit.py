"""``compliance audit --engine spark``: the local audit's per-document work, one Spark task per input unit.

A *unit* is one WARC or JSONL file, or a batch of consecutive single files (HTML pages, text): one Spark task
each. The task runs the local engine's own functions (:func:`compliance.audit.runner.container_tasks` and
:func:`~compliance.audit.runner.process_batch`, in the local pool's batches), with worker state loaded as
``_init_worker`` loads it, once per Python worker process. Inputs are local paths (read by the task itself:
on a cluster every executor must see them), Hadoop URIs (``file://``, ``s3a://``, ``hdfs://``: listed on the
driver through Hadoop's FileSystem and read whole by Spark's ``binaryFile`` source, one part per file) or
``@MANIFEST`` files listing either, one per line (blank lines and ``#`` comments ignored, relative paths against
the manifest's directory).

Output directory (``--records DIR``; any file system path that the driver and every executor reach)::

    DIR/part-<unit>.jsonl               the records of one unit, as the local engine writes them
    DIR/_fingerprints/part-<unit>.jsonl  {"unit", "files"} then one clustering sketch per document
    DIR/_SUCCESS                         written last: the run finished and clusters are filled in

A task writes both files under hidden temporary names and renames them into place, sketches first: a part
exists only when complete, and a retried or speculative attempt renames the same content onto the same
name, so retries never duplicate records. ``--resume`` skips the input files of complete parts; a unit whose
task died is done again. Spark's readers skip ``_`` and ``.`` names, so ``spark.read.json(DIR)`` reads
exactly the records.

After the tasks, clusters are found by a distributed join on the sketches (:mod:`compliance.spark.clusters`)
and filled into the parts by one more job that rewrites, atomically, only the parts whose cluster fields
change; the summary is a Spark aggregation of the tasks' own counts (:func:`summarize`), rendered by the same report
functions as the local engine's.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from hashlib import sha1
from pathlib import Path
from typing import Any

from compliance.audit.records import DocInfo
from compliance.audit.report import MAX_ERRORS_SHOWN, UNKNOWN, Row, Summary
from compliance.audit.runner import JSONL_SUFFIXES, WARC_SUFFIXES, AuditRun
from compliance.errors import ConfigError, InputError
from compliance.spark.parts import (
    FINGERPRINTS,
    PART,
    PartFormat,
    check_resumable,
    fsync_file,
    part_files,
    part_format,
    unit_of,
)
from compliance.spark.session import first_line, with_retries

SUCCESS = "_SUCCESS"
FILES_PER_TASK = 64  # single files (pages) per task at most ...
TASKS_PER_CORE = 4  # ... and fewer when that leaves each core fewer tasks than this (load balance)
FAIL_ONCE_ENV = "COMPLIANCE_SPARK_FAIL_ONCE"  # tests: the first attempt of a unit naming this substring dies
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")  # s3a://b/k, hdfs://nn/p, and Hadoop's file:/p
_OURS = re.compile(r"^(part-[0-9a-f]+\.(jsonl|parquet)|\.part-.*\.tmp|_fingerprints|_SUCCESS)$")


@dataclass(frozen=True)
class Unit:
    """One task's input: a container file or a batch of single files; ``id`` names its part."""

    files: tuple[str, ...]

    @property
    def id(self) -> str:
        return sha1("\n".join(self.files).encode("utf-8")).hexdigest()[:20]


@dataclass
class SparkAuditOptions:
    master: str
    records_dir: Path | None  # None: a temporary directory (the command keeps no records)
    rule_dirs: list[str] = field(default_factory=list)
    resume: bool = False
    extract: str = "full"
    records_format: str = "jsonl"  # jsonl | parquet (compliance.spark.parts)


@dataclass(frozen=True)
class Job:
    """What every task needs (shipped in the closure): where to write and how to load worker state."""

    out: str
    rule_dirs: tuple[str, ...]
    config: Any
    extract: str
    limits: Any
    hosts: Any  # a Broadcast of [(url, text)] host files (robots.txt, tdmrep.json), or None
    key: str  # this run: worker state is loaded once per worker process and run
    records_format: str = "jsonl"
    fail_once: str | None = None


# --- inputs ------------------------------------------------------------------------------------------


def is_uri(spec: str) -> bool:
    return bool(_URI.match(spec))


def read_specs(args: list[str]) -> list[str]:
    """Paths and URIs from the command line, ``@MANIFEST`` entries replaced by the lines of the manifest."""
    out: list[str] = []
    for arg in args:
        if not arg.startswith("@"):
            out.append(arg)
            continue
        manifest = Path(arg[1:])
        try:
            lines = manifest.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"cannot read the manifest: {getattr(err, 'strerror', None) or err}", str(manifest)) \
                from None
        for line in (x.strip() for x in lines):
            if line and not line.startswith("#"):
                out.append(line if is_uri(line) or os.path.isabs(line) else str(manifest.parent / line))
    if not out:
        raise InputError("nothing to audit: the manifest lists no path", args[0])
    return out


def check_local(specs: list[str]) -> None:
    """A local path that does not exist is a usage error naming it (before Spark starts, which takes seconds)."""
    for spec in specs:
        if not is_uri(spec) and not os.path.lexists(spec):
            raise InputError("no such file or directory", spec)


def expand(spark: Any, specs: list[str]) -> list[str]:
    """Every input file in order: local paths walked as the local engine walks them, URIs through Hadoop."""
    from compliance.readers import expand_paths

    files: list[str] = []
    for spec in specs:
        files += _hadoop_files(spark, spec) if is_uri(spec) else list(expand_paths([spec], allow_dirs=True))
    if not files:
        raise InputError("nothing to audit: no file with a known suffix", specs[0])
    return list(dict.fromkeys(files))


def _hadoop_files(spark: Any, uri: str) -> list[str]:
    """Files under a Hadoop URI (a file, a directory walked recursively, or a glob), known suffixes only."""
    from compliance.readers import is_known

    sc = spark.sparkContext
    try:
        path = sc._jvm.org.apache.hadoop.fs.Path(uri)
        fs = path.getFileSystem(sc._jsc.hadoopConfiguration())
        statuses = fs.globStatus(path) or []
        out: list[str] = []
        for status in statuses:
            if not status.isDirectory():
                out.append(status.getPath().toString())
                continue
            top = status.getPath().toString().rstrip("/")
            found = fs.listFiles(status.getPath(), True)
            names = []
            while found.hasNext():
                name = found.next().getPath().toString()
                rel = name[len(top):].lstrip("/")
                if is_known(name, rel) and not any(p[:1] in "._" for p in rel.split("/")):
                    names.append(name)
            out += sorted(names)
    except Exception as err:  # noqa: BLE001 - a Py4J error (no such file system, access denied) is one line
        raise InputError(f"cannot list: {first_line(err)}", uri) from None
    if not statuses:
        raise InputError("no such file or directory", uri)
    return out


def is_container(path: str) -> bool:
    return path.lower().endswith(WARC_SUFFIXES + JSONL_SUFFIXES)


def plan_units(files: list[str], cores: int) -> list[Unit]:
    """Units in input order: each container alone, consecutive single files in batches small enough that
    every core gets several tasks (a batch of 64 pages is ~1 s of work; fewer tasks than cores idle them)."""
    singles = sum(1 for f in files if not is_container(f))
    per_task = max(1, min(FILES_PER_TASK, -(-singles // max(1, cores * TASKS_PER_CORE))))
    units: list[Unit] = []
    batch: list[str] = []
    for f in files:
        if is_container(f) or is_uri(f):
            if batch:
                units.append(Unit(tuple(batch)))
                batch = []
            units.append(Unit((f,)))
            continue
        batch.append(f)
        if len(batch) >= per_task:
            units.append(Unit(tuple(batch)))
            batch = []
    if batch:
        units.append(Unit(tuple(batch)))
    return units


# --- the output directory ----------------------------------------------------------------------------


def prepare_dir(out: Path, resume: bool, fmt: PartFormat) -> dict[str, list[str]]:
    """Create or clean the records directory; with ``resume`` return the complete parts (unit -> files).

    Only this engine's own names are ever removed; a directory holding anything else is refused, since
    Spark would read every file in it as records."""
    if out.exists() and not out.is_dir():
        raise ConfigError("is a file: with --engine spark, --records names a directory of part files", str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / FINGERPRINTS).mkdir(exist_ok=True)
    except OSError as err:
        raise ConfigError(f"cannot write output: {err.strerror or err}", str(out)) from None
    foreign = sorted(p.name for p in out.iterdir() if not _OURS.match(p.name))
    if foreign:
        raise ConfigError(f"holds files that are not audit parts ({', '.join(foreign[:3])}): "
                          "choose an empty or new directory", str(out))
    (out / SUCCESS).unlink(missing_ok=True)
    if resume:
        check_resumable(out, fmt)
    done = complete_parts(out) if resume else {}
    for p in [*out.glob(".part-*"), *(out / FINGERPRINTS).iterdir(), *part_files(out)]:
        if unit_of(p.name) not in done:  # not resuming, a temporary file, or sketches whose records never landed
            p.unlink(missing_ok=True)
    return done


def complete_parts(out: Path) -> dict[str, list[str]]:
    """unit -> input files, for every records part in ``out`` (a part exists only once complete)."""
    done: dict[str, list[str]] = {}
    for part in part_files(out):
        unit = unit_of(part.name)
        sketches = out / FINGERPRINTS / f"{PART}{unit}.jsonl"
        try:
            with sketches.open(encoding="utf-8") as fh:
                done[str(unit)] = list(json.loads(fh.readline())["files"])
            PartSummary.read(sketches)
        except (OSError, ValueError, KeyError, TypeError):
            raise ConfigError(f"cannot resume: {part.name} has no readable {FINGERPRINTS}/{sketches.name} "
                              "(start again without --resume)", str(out)) from None
    return done


# --- executor side -----------------------------------------------------------------------------------

_LOADED: dict[str, str] = {}  # "run": the run whose worker state this Python worker process holds


def ensure_state(job: Job) -> None:
    """Load the worker state as the local pool's ``_init_worker`` does, once per worker process and run
    (Spark reuses Python workers across tasks, and across jobs of one session, e.g. in tests)."""
    if _LOADED.get("run") == job.key:
        return
    from compliance import limits
    from compliance.audit import runner
    from compliance.readers import configure

    limits.reset()
    limits.configure(**asdict(job.limits))
    configure(job.config.extensions, [])
    runner._STATE.clear()
    runner._init_worker((list(job.rule_dirs), job.config, job.extract, _host_policies(job)))
    _LOADED["run"] = job.key


def _host_policies(job: Job) -> Any:
    """The run's HostPolicies rebuilt from the host files the first pass found (None when there are none),
    with the default vocabulary, as the local engine's ``collect_host_policies`` builds them."""
    if job.hosts is None:
        return None
    from compliance.detect.signals import HostPolicies, load_vocabulary

    policies = HostPolicies(load_vocabulary())
    for url, text in job.hosts.value:
        policies.add(url, text)
    return policies if policies else None


def audit_units(job: Job, units: Iterable[Unit]) -> Iterator[dict[str, Any]]:
    """The task of local units (files read from disk by the task): one part per unit."""
    ensure_state(job)
    for unit in units:
        yield write_unit(job, unit, None)


def audit_remote(job: Job, rows: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """The task of remote files (rows of Spark's binaryFile source: path, content): one part per file."""
    ensure_state(job)
    for row in rows:
        yield write_unit(job, Unit((row.path,)), bytes(row.content))


def _items(path: str, content: bytes | None, not_read: Counter | None = None) -> Iterator[tuple[Any, ...]]:
    """The local engine's tasks for one file (its WARC records, JSONL lines, or the file itself); WARC records
    no reader takes are counted by media type into ``not_read``, as the local engine counts them."""
    import io

    from compliance.audit import runner

    if is_container(path):
        fh = io.BytesIO(content) if content is not None else None
        yield from runner.container_tasks(path, set(), runner._STATE["vocab"], path.lower().endswith(WARC_SUFFIXES),
                                          fh, not_read=not_read)
    elif content is None:
        yield ("file", path, None)
    else:
        yield ("bytes", path, None, content)


def write_unit(job: Job, unit: Unit, content: bytes | None) -> dict[str, Any]:
    """Audit one unit into its part: temporary names first, then renamed into place, sketches before records."""
    from compliance.audit.runner import batches, process_batch

    out = Path(job.out)
    fmt = part_format(job.records_format)
    tag = uuid.uuid4().hex
    tmp, fp_tmp = out / f".part-{unit.id}.{tag}.tmp", out / FINGERPRINTS / f".part-{unit.id}.{tag}.tmp"
    name = f"{PART}{unit.id}"
    sink = None
    written = errors = 0
    counts = PartSummary()
    try:
        sink = fmt.writer(tmp)
        with fp_tmp.open("w", encoding="utf-8") as fp:
            fp.write(json.dumps({"unit": unit.id, "files": list(unit.files)}) + "\n")
            for path in unit.files:
                for batch in batches(_items(path, content, counts.not_read)):
                    for record, info in process_batch(batch):  # the local engine's own function
                        if info is not None:
                            fp.write(json.dumps(_sketch_row(info), ensure_ascii=False) + "\n")
                        sink.write(record)
                        counts.add(record)
                        written += 1
                        errors += record["error"] is not None
            fp.write(counts.line())
            fp.flush()
            os.fsync(fp.fileno())
        sink.close()
        fsync_file(tmp)
        os.replace(fp_tmp, out / FINGERPRINTS / f"{name}.jsonl")
        _maybe_fail(job, unit)
        os.replace(tmp, out / f"{name}{fmt.suffix}")
    except BaseException:
        if sink is not None:
            sink.close()
        tmp.unlink(missing_ok=True)
        fp_tmp.unlink(missing_ok=True)
        raise
    return {"unit": unit.id, "written": written, "errors": errors}


def _sketch_row(info: DocInfo) -> dict[str, Any]:
    return {"path": info.key[0], "record": info.key[1], "url": info.url, "sketch": list(info.sketch),
            "names": info.names, "claims": info.claims, "date": info.date}


def _maybe_fail(job: Job, unit: Unit) -> None:
    """Fault injection for the retry test: die between the two renames (the worst moment) on a first attempt."""
    if not job.fail_once or not any(job.fail_once in f for f in unit.files):
        return
    from pyspark import TaskContext

    ctx = TaskContext.get()
    if ctx is not None and ctx.attemptNumber() == 0:
        raise RuntimeError(f"injected failure ({FAIL_ONCE_ENV}) in unit {unit.id}")


# --- driver side -------------------------------------------------------------------------------------


def run_spark_audit(specs: list[str], options: SparkAuditOptions, config: Any) -> tuple[AuditRun, Any, list[str]]:
    """Audit ``specs`` into ``options.records_dir``; returns the run (clusters filled in), the session and the
    input files in order (the caller renders the summary, :func:`summarize`, while the session is open)."""
    from concurrent.futures import ThreadPoolExecutor

    from compliance import limits
    from compliance.spark.session import is_local, spark_session

    start = time.perf_counter()
    check_local(specs)
    out = options.records_dir
    if out is None:
        raise ValueError("records_dir: the directory of parts (the command passes a temporary one)")
    fmt = part_format(options.records_format)
    local_only = not any(is_uri(spec) for spec in specs)
    files = expand(None, specs) if local_only else []  # nothing to read is one line before Spark starts
    with ThreadPoolExecutor(1) as pool:
        # on one machine the first pass (host files) reads local WARCs while the JVM starts, instead of as a
        # Spark job after it: the same function over the same files, seconds sooner
        early = pool.submit(collect_hosts, None, files) if files and is_local(options.master) else None
        spark = spark_session(with_retries(options.master, config.spark), session_conf(config.spark))
        done = prepare_dir(out, options.resume, fmt)
        files = files or expand(spark, specs)
        hosts, host_errors = early.result() if early is not None else collect_hosts(spark, files)
    finished = {f for fs in done.values() for f in fs}
    job = Job(out=str(out.resolve()), rule_dirs=tuple(options.rule_dirs), config=config,
              extract=options.extract, limits=limits.current(),
              hosts=spark.sparkContext.broadcast(hosts) if hosts else None, key=uuid.uuid4().hex,
              records_format=fmt.name, fail_once=os.environ.get(FAIL_ONCE_ENV) or None)
    todo = [f for f in files if f not in finished]
    stats = _run_tasks(spark, job, todo)
    run = AuditRun(written=sum(s["written"] for s in stats), errors=sum(s["errors"] for s in stats),
                   files=len(files), host_errors=host_errors, severity=_severity(options.rule_dirs, config))
    from compliance.spark.clusters import fill_clusters, find_clusters

    run.clusters = find_clusters(spark, out, files)
    fill_clusters(spark, job, out, run.clusters)
    (out / SUCCESS).write_bytes(b"")
    run.seconds = time.perf_counter() - start
    return run, spark, files


def session_conf(conf: dict[str, Any]) -> dict[str, Any]:
    """The config's Spark conf, plus the warm worker daemon (:mod:`compliance.spark.daemon`) unless it names one."""
    from compliance.spark.daemon import MODULE

    return {"spark.python.daemon.module": MODULE, **conf}


def _severity(rule_dirs: list[str], config: Any) -> dict[str, str]:
    """``policy.audit_severity`` as the local run reports it (for --fail-on)."""
    from compliance.config import apply_to_ruleset
    from compliance.ruleset.loader import load_ruleset

    return dict(apply_to_ruleset(load_ruleset(rule_dirs).ruleset, config).policy.audit_severity)


def _run_tasks(spark: Any, job: Job, files: list[str]) -> list[dict[str, Any]]:
    """One job: local units as a parallelized list (one partition each), remote files through binaryFile."""
    sc = spark.sparkContext
    local = [f for f in files if not is_uri(f)]
    remote = [f for f in files if is_uri(f)]
    rdds = []
    if local:
        units = plan_units(local, sc.defaultParallelism)
        rdds.append(sc.parallelize(units, len(units)).mapPartitions(lambda it: audit_units(job, it)))
    if remote:
        rows = spark.read.format("binaryFile").load(remote).select("path", "content")
        rdds.append(rows.rdd.mapPartitions(lambda it: audit_remote(job, it)))
    if not rdds:
        return []
    try:
        return (sc.union(rdds) if len(rdds) > 1 else rdds[0]).collect()
    except Exception as err:  # a task that failed spark.task.maxFailures times: one line, not a Py4J trace
        raise ConfigError(f"Spark job failed: {first_line(err)}") from None


def collect_hosts(spark: Any, files: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """The first pass of the local engine (robots.txt, tdmrep.json in every WARC) as one Spark job, or read
    here when ``spark`` is None (local files only); the host files come back in input order, so later ones
    replace earlier ones exactly as locally."""
    warcs = [f for f in files if f.lower().endswith(WARC_SUFFIXES)]
    if not warcs:
        return [], []
    local = [f for f in warcs if not is_uri(f)]
    remote = [f for f in warcs if is_uri(f)]
    found: dict[str, tuple[list[tuple[str, str]], list[str]]] = {}
    if spark is None:
        found.update((p, host_files(p, None)) for p in local)
        local = []
    elif local:
        sc = spark.sparkContext
        found.update(sc.parallelize(local, len(local)).map(lambda p: (p, host_files(p, None))).collect())
    if remote:
        rows = spark.read.format("binaryFile").load(remote).select("path", "content").rdd
        found.update(rows.map(lambda r: (r.path, host_files(r.path, bytes(r.content)))).collect())
    pairs = [pair for f in warcs for pair in found.get(f, ([], []))[0]]
    return pairs, [e for f in warcs for e in found.get(f, ([], []))[1]]


class _HostFiles:
    """Stands in for HostPolicies during the first pass: keeps each host file's text instead of parsing it."""

    def __init__(self, vocab: Any) -> None:
        from compliance.detect.signals import HostPolicies

        self._policies = HostPolicies(vocab)
        self.files: list[tuple[str, str]] = []
        self.errors: list[str] = []

    def is_host_file(self, url: str | None) -> str | None:
        return self._policies.is_host_file(url)

    def add(self, url: str, text: str) -> None:
        self.files.append((url, text))


def host_files(path: str, content: bytes | None) -> tuple[list[tuple[str, str]], list[str]]:
    """Host files of one WARC and the lines naming those it could not use (as ``collect_host_policies``)."""
    import io

    from compliance.detect.signals import load_vocabulary
    from compliance.readers.stream import open_binary
    from compliance.readers.warc import _collect

    found = _HostFiles(load_vocabulary())
    try:
        with (io.BytesIO(content) if content is not None else open_binary(path)) as fh:
            _collect(fh, path, found)
    except InputError as err:
        found.errors.append(str(err))
    return found.files, found.errors


# --- summary and records -----------------------------------------------------------------------------

def summarize(spark: Any, out: Path, files: list[str], severity: dict[str, str]) -> Summary:
    """The local :func:`compliance.audit.report.summarize`, as a Spark aggregation: every task counted its
    records by publisher and verdicts into its sketches part's last line (:class:`PartSummary`); one job
    reduces those counts, so only the aggregated rows (and the first errors) reach the driver."""
    from compliance.audit.report import findings_of
    from compliance.findings import SEVERITY_RANK

    summary = Summary()
    parts = sorted(str(p) for p in (out / FINGERPRINTS).glob(f"{PART}*.jsonl"))
    if not parts:
        return summary
    sc = spark.sparkContext
    order = sc.broadcast({f: i for i, f in enumerate(files)})
    try:
        total = (sc.parallelize(parts, min(len(parts), sc.defaultParallelism * 4))
                 .map(lambda part: PartSummary.read(Path(part)))
                 .treeReduce(lambda a, b: a.merge(b, order.value)))
    finally:
        order.destroy()
    worst = -1
    for key, n in total.groups.items():
        record = _pseudo_record(key)
        row = summary.publishers.setdefault(key[0], Row())
        for target in (row, summary.total):
            _add(target, record, n)
        for finding in findings_of(record):
            summary.findings[finding] += n
            level = severity.get(finding)
            if level is not None:
                worst = max(worst, SEVERITY_RANK[level])
    summary.worst = next((k for k, r in SEVERITY_RANK.items() if r == worst), None)
    summary.errors = [tuple(e) for e in total.errors]
    summary.not_read = Counter(total.not_read)
    return summary


@dataclass
class PartSummary:
    """A part's records counted by what the summary reads: (publisher, failed, store, quote, tdm verdict,
    machine-readable) -> records, its first errors in input order, and its WARC records no reader takes by
    media type (``not_read``; a part written before that count has none). Written by the task as the last
    line of the part's sketches (the line has no ``path``, so the clustering join skips it)."""

    groups: dict[tuple, int] = field(default_factory=dict)
    errors: list[list[Any]] = field(default_factory=list)
    not_read: Counter = field(default_factory=Counter)

    def add(self, record: dict[str, Any]) -> None:
        v = record.get("verdicts")
        failed = bool(record.get("error"))
        key = (record.get("publisher") or UNKNOWN, failed, *(
            (v["store"]["verdict"], v["quote"]["verdict"], v["tdm"]["verdict"], v["tdm"].get("machine_readable"))
            if v else (None, None, None, None)))
        self.groups[key] = self.groups.get(key, 0) + 1
        if failed and len(self.errors) < MAX_ERRORS_SHOWN:
            self.errors.append([record["path"], record.get("record"), record["error"]])

    def line(self) -> str:
        return json.dumps({"summary": {"groups": [[*k, n] for k, n in self.groups.items()], "errors": self.errors,
                                       "not_read": dict(self.not_read)}}, ensure_ascii=False) + "\n"

    @classmethod
    def read(cls, sketches: Path) -> PartSummary:
        """The summary line of a sketches part (its last line); a part without one is an older engine's."""
        try:
            data = json.loads(_last_line(sketches))["summary"]
        except (OSError, ValueError, KeyError, TypeError):
            raise ConfigError(f"{sketches.name} has no summary line: written by an older version "
                              "(start again without --resume)", str(sketches.parent.parent)) from None
        return cls({tuple(g[:-1]): g[-1] for g in data["groups"]}, data["errors"], Counter(data.get("not_read") or {}))

    def merge(self, other: PartSummary, order: dict[str, int]) -> PartSummary:
        groups = dict(self.groups)
        for key, n in other.groups.items():
            groups[key] = groups.get(key, 0) + n
        errors = sorted(self.errors + other.errors, key=lambda e: (order.get(e[0], len(order)), e[0],
                                                                   -1 if e[1] is None else e[1]))
        return PartSummary(groups, errors[:MAX_ERRORS_SHOWN], Counter(self.not_read) + Counter(other.not_read))


def _last_line(path: Path, block: int = 1 << 16) -> str:
    """The last line of a file, read from its end (sketch parts of big WARCs are megabytes)."""
    with path.open("rb") as fh:
        end = fh.seek(0, os.SEEK_END)
        tail = b""
        while end > 0:
            start = max(0, end - block)
            fh.seek(start)
            tail = fh.read(end - start) + tail
            end = start
            cut = tail.rstrip(b"\n").rfind(b"\n")
            if cut >= 0:
                return tail[cut + 1:].decode("utf-8")
        return tail.decode("utf-8")


def _pseudo_record(key: tuple) -> dict[str, Any]:
    """A record with just the fields one aggregated group shares (what Row.add and findings_of read)."""
    _, failed, store, quote, tdm, machine = key
    verdicts = None
    if store is not None:
        verdicts = {"store": {"verdict": store}, "quote": {"verdict": quote},
                    "tdm": {"verdict": tdm, "machine_readable": machine}}
    return {"error": "x" if failed else None, "verdicts": verdicts}


def _add(row: Row, record: dict[str, Any], n: int) -> None:
    """``Row.add`` for ``n`` records alike, by adding one and scaling (the counters stay Row's own)."""
    one = Row()
    one.add(record)
    row.docs += n * one.docs
    row.errors += n * one.errors
    row.store.update({k: n * v for k, v in one.store.items()})
    row.quote.update({k: n * v for k, v in one.quote.items()})
    row.tdm_machine += n * one.tdm_machine
    row.tdm_text += n * one.tdm_text


def iter_records(out: Path, files: list[str], records_format: str = "jsonl") -> Iterator[dict[str, Any]]:
    """Every record in input order, read on the driver (for --format json/html; the summary never needs it)."""
    fmt = part_format(records_format)
    order = {f: i for i, f in enumerate(files)}
    records: list[dict[str, Any]] = []
    for part in part_files(out):
        records += fmt.read(part)
    records.sort(key=lambda r: (order.get(r["path"], len(order)), r["path"], -1 if r["record"] is None
                                else r["record"]))
    return iter(records)
