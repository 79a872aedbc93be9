"""Stream an archive through a process pool, in input order, into a record file.

The main process walks the inputs and reads containers (WARC records, JSONL lines) itself, handing raw
payloads to the workers, because parsing a page costs far more than reading it: one large WARC still
keeps every core busy. Single files (HTML pages, text) go to the workers by path. Work travels in
small batches with a bounded window of batches in flight, so memory stays flat however large the
archive is: nothing holds more than the window's documents, and what outlives a document is its
record line on disk and its clustering sketch (a few hundred bytes) in memory.

Results come back in input order and each record is written (whole line) as it arrives. A document
that cannot be read becomes an error record and the audit goes on; a worker process that dies (a
parser crash) is replaced and its batch retried one document at a time, so only the document that
kills a worker gets an error record. Clusters are computed at the end and filled into the record
file by an atomic rewrite (see :mod:`compliance.audit.sinks`).
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from compliance.audit.clusters import Cluster, ClusterIndex
from compliance.audit.records import DocInfo, Key, document_record, error_record
from compliance.audit.sinks import Sidecar, Sink
from compliance.document import Document
from compliance.errors import InputError

BATCH_DOCS = 8  # documents per task sent to a worker
BATCH_BYTES = 4 << 20  # ... or this many payload bytes
WINDOW_PER_JOB = 4  # batches in flight per worker
EXTRACT_MODES = ("full", "fast")
WARC_SUFFIXES = (".warc", ".warc.gz")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")

Result = tuple[dict[str, Any], DocInfo | None]

# Worker state: set in the parent before the pool forks (inherited), or by _init_worker after a spawn.
_STATE: dict[str, Any] = {}


@dataclass
class AuditOptions:
    jobs: int = 0  # 0: all cores
    rule_dirs: list[str] = field(default_factory=list)
    resume: bool = False
    extract: str = "full"  # full (lxml + trafilatura) | fast (lexbor + resiliparse, see readers.html_fast)
    progress: bool = False


@dataclass
class AuditRun:
    """What a run did: records written now and skipped (already in the output), clusters, timing."""

    written: int = 0
    skipped: int = 0
    errors: int = 0
    files: int = 0
    clusters: list[Cluster] = field(default_factory=list)
    seconds: float = 0.0
    host_errors: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)  # policy.audit_severity, for --fail-on
    not_read: Counter = field(default_factory=Counter)  # media type -> WARC records no reader takes (a PDF)


# --- worker side -----------------------------------------------------------------------------------


def load_state(rule_dirs: list[str], config: Any, extract: str, hosts: Any) -> dict[str, Any]:
    """Everything a worker needs: notice engine, policy rule set (config applied), signal vocabulary."""
    from compliance.config import apply_to_ruleset
    from compliance.detect.notices import NoticeEngine
    from compliance.detect.signals import load_vocabulary
    from compliance.ruleset.loader import load_ruleset

    _preload(extract)
    loaded = load_ruleset(rule_dirs)
    return {"engine": NoticeEngine(loaded), "ruleset": apply_to_ruleset(loaded.ruleset, config),
            "vocab": load_vocabulary(rule_dirs), "hosts": hosts, "extract": extract}


def _preload(extract: str) -> None:
    """Import the parsers once in the parent: forked workers share them instead of importing each."""
    import importlib
    from contextlib import suppress

    for name in ("lxml.html", "compliance.readers.html", "compliance.readers.warc", "compliance.reuse.fingerprint",
                 *(("trafilatura",) if extract == "full" else ("resiliparse.parse.html",
                                                               "resiliparse.extract.html2text"))):
        with suppress(ImportError):  # the reader that needs it reports the problem per document
            importlib.import_module(name)


def _configure_extraction(mode: str) -> None:
    from compliance.readers import html

    html.EXTRACT_MAIN = True
    html.EXTRACT_FAST = mode == "fast"


def _init_worker(args: tuple[Any, ...] | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if not _STATE and args is not None:
        _STATE.update(load_state(*args))
    _configure_extraction(_STATE["extract"])


def process_batch(items: list[tuple[Any, ...]]) -> list[Result]:
    """Records for ``items`` in order, as :func:`process_item` gives them one by one, but the notices of all
    their documents found in one :meth:`~compliance.detect.notices.NoticeEngine.scan_many` call (the scorer's
    numpy cost is per call). A batch that fails as a whole is done again one task at a time, so a bad document
    still becomes its own error record."""
    read = [_read_item(item) for item in items]
    try:
        return _analyze_read([d for got in read for d in got])
    except Exception:  # noqa: BLE001 - isolate the failing document
        return [result for item, got in zip(items, read, strict=True) for result in _analyze_one(item, got)]


def process_item(item: tuple[Any, ...]) -> list[Result]:
    """Records for one task; never raises (a failure is an error record naming it)."""
    return _analyze_one(item, _read_item(item))


def _read_item(item: tuple[Any, ...]) -> list[Result | Document]:
    """The documents of one task, or its records where there is nothing to scan (errors, ends)."""
    kind, path, record = item[0], item[1], item[2]
    try:
        if kind == "end":
            return []
        if kind == "error":
            return [(error_record(path, record, item[3], item[4]), None)]
        return list(_documents(item))
    except Exception as err:  # noqa: BLE001 - one bad document must not end an archive run
        return [_failure(path, record, err)]


def _analyze_one(item: tuple[Any, ...], got: list[Result | Document]) -> list[Result]:
    try:
        return _analyze_read(got)
    except Exception as err:  # noqa: BLE001 - one bad document must not end an archive run
        return [_failure(item[1], item[2], err)]


def _analyze_read(got: list[Result | Document]) -> list[Result]:
    """``got`` with each document replaced by its record, all documents scanned in one call."""
    analyzed = iter(_analyze_many([d for d in got if isinstance(d, Document)]))
    return [next(analyzed) if isinstance(d, Document) else d for d in got]


def _failure(path: str, record: Any, err: Exception) -> Result:
    """The error record of a task that raised: the input's own message, else an internal error named."""
    if isinstance(err, InputError):
        return error_record(path, record, err.message), None
    first = str(err).splitlines()[0] if str(err) else ""
    return error_record(path, record, f"internal error: {type(err).__name__}: {first}"), None


def _documents(item: tuple[Any, ...]) -> Iterable[Document]:
    kind = item[0]
    if kind == "file":
        from compliance.readers import iter_path

        return list(iter_path(item[1]))
    if kind == "warc":
        from compliance.readers.warc import build_document

        return [build_document(item[3], _STATE["vocab"])]
    if kind == "jsonl":
        from compliance.readers.jsonl import document_from_line

        return [document_from_line(item[3], item[1], item[2])]
    if kind == "bytes":  # a single file already read (the Spark engine reads remote URIs whole)
        from compliance import limits
        from compliance.readers import reader_for

        limits.check_size(len(item[3]), item[1])
        return list(reader_for(item[1])(item[3], item[1]))
    raise ValueError(f"unknown task {kind!r}")


def _analyze_many(docs: list[Document]) -> list[Result]:
    """The record of each of ``docs`` (an error record for a document the reader could not read)."""
    from compliance.readers.stream import is_error

    engine = _STATE["engine"]
    hosts = _STATE.get("hosts")
    readable = [doc for doc in docs if not is_error(doc)]
    if hosts:
        for doc in readable:
            hosts.apply(doc)
    warnings: list[list] = [[] for _ in readable]
    found = iter(zip(engine.scan_many(readable, warnings_each=warnings), warnings, strict=True))
    out: list[Result] = []
    for doc in docs:
        if is_error(doc):
            out.append((error_record(doc.path, doc.record, doc.metadata["error"], doc.metadata.get("url")), None))
            continue
        notices, doc_warnings = next(found)
        record, info = document_record(doc, notices, _STATE["ruleset"], engine.publishers)
        record["warnings"] = [w.message for w in doc_warnings]  # e.g. a rule that ran out of its time budget
        out.append((record, info))
    return out


# --- main side: tasks --------------------------------------------------------------------------------


def iter_tasks(paths: Iterable[str], done: set[Key], vocab: Any,
               not_read: Counter | None = None) -> Iterator[tuple[Any, ...]]:
    """``(kind, path, record, ...)`` per document in input order, then ``("end", path, None)`` per file.

    Keys in ``done`` are skipped without reading (WARC payloads and JSONL lines are passed over). WARC
    records of a type no reader takes are counted by media type into ``not_read``.
    """
    from compliance.readers import expand_paths

    for path in expand_paths(paths, allow_dirs=True):
        low = path.lower()
        if low.endswith(WARC_SUFFIXES + JSONL_SUFFIXES):
            yield from container_tasks(path, done, vocab, low.endswith(WARC_SUFFIXES), not_read=not_read)
        elif (path, None) not in done:
            yield ("file", path, None)
        yield ("end", path, None)


def container_tasks(path: str, done: set[Key], vocab: Any, is_warc: bool, fh: BinaryIO | None = None,
                    not_read: Counter | None = None) -> Iterator[tuple[Any, ...]]:
    """The tasks of one WARC or JSONL file, read from ``path`` or from ``fh`` (the Spark engine passes the
    bytes of a remote URI; ``path`` then only names it in the records). A WARC's 2xx records of a type no
    reader takes (a PDF, an image) are no task: they are counted by media type into ``not_read``, unread
    (on ``--resume`` too: the count is the input's, as the summary's documents are)."""
    from compliance.readers import jsonl, warc
    from compliance.readers.stream import open_binary

    if (path, None) in done:
        return
    if fh is None:
        try:
            fh = open_binary(path)
        except InputError as err:
            yield ("error", path, None, err.message, None)
            return

    def skip(ordinal: int) -> bool:
        return (path, ordinal) in done

    with fh:
        if is_warc:
            def note(_path: str, _ordinal: int, ctype: str) -> None:
                if not_read is not None:
                    not_read[ctype] += 1

            items: Iterator[Any] = warc.iter_raw(fh, path, vocab, skip=skip, not_read=note)
        else:
            items = jsonl.iter_lines(jsonl._maybe_gzip(fh), path, skip=skip)
        for item in items:
            if isinstance(item, Document):
                if not skip(item.record):
                    yield ("error", path, item.record, item.metadata["error"], item.metadata.get("url"))
            elif is_warc:
                yield ("warc", path, item.ordinal, item)
            else:
                yield ("jsonl", path, item[0], item[1])


def _size(item: tuple[Any, ...]) -> int:
    if item[0] == "warc":
        return len(item[3].payload)
    if item[0] == "jsonl":
        return len(item[3])
    return 0


def batches(tasks: Iterable[tuple[Any, ...]], max_docs: int = BATCH_DOCS,
            max_bytes: int = BATCH_BYTES) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    size = 0
    for item in tasks:
        batch.append(item)
        size += _size(item)
        if len(batch) >= max_docs or size >= max_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


# --- main side: the run ------------------------------------------------------------------------------


class _Pool:
    """A process pool that survives a dying worker: the batch is retried one document at a time."""

    def __init__(self, jobs: int, init_args: tuple[Any, ...] | None) -> None:
        self.jobs = jobs
        self.init_args = init_args
        self.executor = self._start()

    def _start(self) -> Any:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        method = "fork" if "fork" in mp.get_all_start_methods() else None
        ctx = mp.get_context(method)
        args = None if method == "fork" else self.init_args  # forked workers inherit _STATE
        executor = ProcessPoolExecutor(self.jobs, mp_context=ctx, initializer=_init_worker, initargs=(args,))
        executor.submit(int).result()  # start the workers now, before any progress-bar thread runs
        return executor

    def submit(self, batch: list[tuple[Any, ...]]) -> Any:
        return self.executor.submit(process_batch, batch)

    def result(self, batch: list[tuple[Any, ...]], future: Any, pending: deque) -> list[Result]:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return future.result()
        except BrokenProcessPool:
            pass
        self._restart(pending)
        out: list[Result] = []
        for item in batch:
            try:
                out += self.executor.submit(process_batch, [item]).result()
            except BrokenProcessPool:
                self._restart(pending)
                out.append((error_record(item[1], item[2], "the parser crashed on this document "
                                         "(worker process died)"), None))
        return out

    def _restart(self, pending: deque) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._start()
        for i, (batch, _) in enumerate(pending):  # every queued batch died with the old pool
            pending[i] = (batch, self.submit(batch))

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def count_files(paths: list[str]) -> int:
    from compliance.readers import expand_paths

    try:
        return sum(1 for _ in expand_paths(paths, allow_dirs=True))
    except InputError:
        return 0


def run_audit(paths: list[str], sink: Sink, options: AuditOptions, config: Any,
              sidecar: Sidecar | None = None) -> AuditRun:
    """Audit ``paths`` into ``sink``; returns counts and clusters (already filled into the sink)."""
    from compliance.readers.warc import collect_host_policies

    start = time.perf_counter()
    run = AuditRun()
    done = sink.open(options.resume)
    index = ClusterIndex()
    if sidecar is not None:
        infos = sidecar.open(options.resume)
        for key in done:
            if key in infos:
                index.add(infos[key])
    run.skipped = len(done)
    warcs = _warc_files(paths)
    hosts = collect_host_policies(warcs) if warcs else None
    run.host_errors = list(hosts.errors) if hosts is not None else []
    _STATE.clear()
    _STATE.update(load_state(options.rule_dirs, config, options.extract, hosts if hosts else None))
    _configure_extraction(options.extract)
    run.severity = dict(_STATE["ruleset"].policy.audit_severity)
    jobs = options.jobs or os.cpu_count() or 1
    tasks = iter_tasks(paths, done, _STATE["vocab"], run.not_read)

    def handle(results: list[Result]) -> None:
        for record, info in results:
            if info is not None:
                if sidecar is not None:
                    sidecar.write(info)  # before the record: every written record has its sketch
                index.add(info)
            sink.write(record)
            run.written += 1
            run.errors += record["error"] is not None

    total = count_files(paths) if options.progress else 0
    pool = _Pool(jobs, (options.rule_dirs, config, options.extract, hosts)) if jobs > 1 else None
    try:
        with _progress(options.progress, total) as bar:
            if pool is None:
                for batch in batches(tasks):
                    handle(process_batch(batch))
                    bar.advance(batch, run)
            else:
                _run_pool(pool, jobs, tasks, handle, bar, run)
    finally:
        if pool is not None:
            pool.shutdown()
        sink.close()
        if sidecar is not None:
            sidecar.close()
    run.clusters = index.clusters()
    if run.clusters:
        fields = {key: c.field_for(key) for c in run.clusters for key in c.members}
        sink.rewrite(lambda r: {**r, "cluster": fields.get((r["path"], r.get("record")))})
    run.files = total
    run.seconds = time.perf_counter() - start
    return run


def _warc_files(paths: list[str]) -> list[str]:
    from compliance.readers import expand_paths

    try:
        return [p for p in expand_paths(paths, allow_dirs=True) if p.lower().endswith(WARC_SUFFIXES)]
    except InputError:
        return []


def _run_pool(pool: _Pool, jobs: int, tasks: Iterator[tuple[Any, ...]], handle: Any, bar: Any,
              run: AuditRun) -> None:
    pending: deque = deque()
    for batch in batches(tasks):
        pending.append((batch, pool.submit(batch)))
        while len(pending) >= jobs * WINDOW_PER_JOB:
            b, fut = pending.popleft()
            handle(pool.result(b, fut, pending))
            bar.advance(b, run)
    while pending:
        b, fut = pending.popleft()
        handle(pool.result(b, fut, pending))
        bar.advance(b, run)


class _NoBar:
    def advance(self, batch: list[tuple[Any, ...]], run: AuditRun) -> None:
        pass

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class _Bar(_NoBar):
    """A rich progress bar on stderr: files done of the total, documents written, errors."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("[bold]audit"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("files · {task.fields[docs]} docs · {task.fields[errors]} errors"),
                                 TimeElapsedColumn(), console=Console(stderr=True), transient=False)
        self.task = self.progress.add_task("audit", total=total or None, docs=0, errors=0)

    def advance(self, batch: list[tuple[Any, ...]], run: AuditRun) -> None:
        ended = sum(1 for item in batch if item[0] == "end")
        self.progress.update(self.task, advance=ended, docs=run.written, errors=run.errors)

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def _progress(enabled: bool, total: int) -> _NoBar:
    return _Bar(total) if enabled else _NoBar()
