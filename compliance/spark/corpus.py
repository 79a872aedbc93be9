"""``compliance corpus add --engine spark``: reading, notices and fingerprints in Spark tasks, the index on the driver.

The driver walks the inputs as the local add does (:meth:`CorpusIndex.add_paths` with a ``prepare`` hook: the
same walk, the same known hashes, skip counting, strict files and batching). Only the per-file work moves: each
Spark task runs :func:`compliance.reuse.prepare.prepare_file`, the function the local worker processes run (notices,
fingerprints and the cross-language rows), with the notice engine loaded once per Python worker process
(:func:`ensure_engine`).
Finished tasks come back to the driver as picklable :class:`~compliance.reuse.prepare.FileBatch` lists and go
through the index's batch writer into today's SQLite format, so ``check`` is unchanged and a corpus built with
Spark equals one built locally (ids by path, documents in input order).

Why one Spark job per task and not ``toLocalIterator``: that iterator computes one partition at a time (two with
prefetch), which would leave a cluster idle; :func:`prepare_in_spark` keeps about two tasks per core in flight
from a small thread pool and hands results over in input order, so the memory the driver holds is bounded by
the tasks in flight, as the local pool's is. Input files must be readable at the same path by every executor
(a shared file system); the SQLite index itself is written by the driver only.
"""

from __future__ import annotations

import os
import uuid
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from compliance.errors import ConfigError
from compliance.reuse.prepare import FileBatch, prepare_file

Task = tuple[str, str | None]  # (path as named, hash of the indexed version or None): what add_paths hands over
TASK_BYTES = 8 << 20  # input bytes per Spark task at most (a job per task costs ~10 ms of scheduling) ...
TASKS_PER_CORE = 4  # ... and at least this many tasks per core, so the last ones finish together
INFLIGHT_PER_CORE = 2  # tasks running or finished but not yet written, per core (bounds the driver's memory)


@dataclass(frozen=True)
class Job:
    """What every task needs to load the engine as the local command does (shipped in the task's closure)."""

    rule_dirs: tuple[str, ...]
    extensions: dict[str, str]
    include: tuple[str, ...]
    limits: Any  # compliance.limits.Limits
    no_model: bool
    cwd: str  # the driver's working directory: relative paths are read, and stored, as the user named them
    key: str  # this run: engine state is loaded once per worker process and run
    xling: bool = True  # cross-language rows computed in the tasks (False: COMPLIANCE_NO_XLING=1 on the driver)


_LOADED: dict[str, Any] = {}  # "key" and "engine" of the run this Python worker process serves


def ensure_engine(job: Job) -> Any:
    """The notice engine for ``job``, loaded once per Python worker process and run (Spark reuses workers across
    tasks and, in one session, across runs), after the limits and reader choice the driver's command set."""
    if _LOADED.get("key") == job.key:
        return _LOADED["engine"]
    from compliance import limits
    from compliance.pipeline import load_engine
    from compliance.readers import configure

    limits.reset()
    limits.configure(**asdict(job.limits))
    configure(job.extensions, list(job.include))
    if job.no_model:  # --no-model on the driver: the workers' engines leave the scorer off too
        os.environ["COMPLIANCE_NO_MODEL"] = "1"
    else:
        os.environ.pop("COMPLIANCE_NO_MODEL", None)
    if job.xling:  # as the driver's environment says: the rows are computed here or by its catch-up
        os.environ.pop("COMPLIANCE_NO_XLING", None)
    else:
        os.environ["COMPLIANCE_NO_XLING"] = "1"
    if os.path.isdir(job.cwd) and os.getcwd() != job.cwd:  # local masters share it; a cluster may mount it
        os.chdir(job.cwd)
    _LOADED.clear()
    _LOADED.update(key=job.key, engine=load_engine(list(job.rule_dirs) or None))
    return _LOADED["engine"]


def prepare_tasks(job: Job, groups: Iterator[list[Task]]) -> Iterator[FileBatch]:
    """One Spark task (a partition holds one group of files): the local worker's :func:`prepare_file` on each."""
    engine = ensure_engine(job)
    for group in groups:
        for path, known in group:
            yield prepare_file(path, known, engine)


def plan_tasks(tasks: list[Task], cores: int) -> list[list[Task]]:
    """Consecutive files in groups of about equal input bytes: at least ``TASKS_PER_CORE`` groups per core (load
    balance), none above ``TASK_BYTES`` unless one file is (a large JSONL shard or WARC file is a task of its own)."""
    sizes = [_size(path) for path, _ in tasks]
    total = sum(sizes)
    count = min(len(tasks), max(cores * TASKS_PER_CORE, -(-total // TASK_BYTES)))
    if count <= 1:
        return [tasks] if tasks else []
    share = total / count
    groups: list[list[Task]] = [[]]
    held = 0  # bytes in the last group
    for task, size in zip(tasks, sizes, strict=True):
        if groups[-1] and held + size / 2 > share:
            groups.append([])
            held = 0
        groups[-1].append(task)
        held += size
    return groups


def _size(path: str) -> int:
    try:
        return max(1, os.path.getsize(path))
    except OSError:
        return 1  # unreadable: the task reports it as the local worker does


def prepare_in_spark(spark: Any, job: Job, tasks: list[Task]) -> Generator[FileBatch, None, None]:
    """Every file's :class:`FileBatch`, in input order, computed in Spark tasks (one job per group of files,
    about ``INFLIGHT_PER_CORE`` per core at once). A job that fails after Spark's retries is one line."""
    sc = spark.sparkContext
    cores = max(1, sc.defaultParallelism)
    groups = plan_tasks(tasks, cores)
    if not groups:
        return
    rdd = sc.parallelize(groups, len(groups))

    def run(part: int) -> list[FileBatch]:
        sc.setJobGroup(job.key, "compliance corpus add", interruptOnCancel=True)  # per thread: cancel only ours
        return sc.runJob(rdd, lambda it: prepare_tasks(job, it), [part])

    inflight = min(len(groups), cores * INFLIGHT_PER_CORE)
    pending: deque[Future[list[FileBatch]]] = deque()
    with ThreadPoolExecutor(inflight, thread_name_prefix="compliance-spark") as pool:
        try:
            for part in range(len(groups)):
                pending.append(pool.submit(run, part))
                if len(pending) >= inflight:
                    yield from _result(pending.popleft())
            while pending:
                yield from _result(pending.popleft())
        finally:
            if pending:  # stopped early (an explicit file failed, Ctrl-C, a failed job): do not wait for the rest
                for future in pending:
                    future.cancel()
                sc.cancelJobGroup(job.key)


def _result(future: Future[list[FileBatch]]) -> list[FileBatch]:
    from compliance.spark.session import first_line

    try:
        return future.result()
    except Exception as err:  # a task that failed spark.task.maxFailures times: one line, not a Py4J trace
        raise ConfigError(f"Spark job failed: {first_line(err)}") from None


class SparkPreparer:
    """The ``prepare`` hook of :meth:`CorpusIndex.add_paths`, as a context manager: leaving it (an explicit file
    that cannot be read, Ctrl-C, a failed job) cancels the Spark jobs still running, where the exit would
    otherwise wait for the pool's threads and so for every job in flight."""

    def __init__(self, spark: Any, job: Job, owns_session: bool = False) -> None:
        self.spark = spark
        self.job = job
        self.owns_session = owns_session  # started here (not a session the caller had): stopped on failure
        self._runs: list[Generator[FileBatch, None, None]] = []

    def __call__(self, tasks: list[Task]) -> Iterator[FileBatch]:
        run = prepare_in_spark(self.spark, self.job, tasks)
        self._runs.append(run)
        return run

    def __enter__(self) -> SparkPreparer:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        for run in self._runs:
            run.close()  # runs prepare_in_spark's finally: cancel what is pending
        if kind is not None and self.owns_session:
            # Stopped before the process exits: the JVM would otherwise die under its Python workers, and each
            # would print a BrokenPipeError traceback on stderr after the command's own line.
            self.spark.stop()


def spark_preparer(master: str, config: Any, rules: list[str] | None, include: list[str] | None) -> SparkPreparer:
    """The Spark engine for ``corpus add`` on ``master``. Starts the session now, so that a missing ``spark``
    extra or Java is one line before any index is created; the limits and reader choice must be set already
    (the tasks take this process's)."""
    from compliance import limits
    from compliance.detect.notices import model_enabled
    from compliance.reuse.xling.rows import enabled as xling_enabled
    from compliance.spark.session import spark_session, with_retries

    existed = _active_session()
    spark = spark_session(with_retries(master, config.spark), config.spark)
    job = Job(rule_dirs=tuple(rules or ()), extensions=dict(config.extensions), include=tuple(include or ()),
              limits=limits.current(), no_model=not model_enabled(), cwd=os.getcwd(), key=uuid.uuid4().hex,
              xling=xling_enabled())
    return SparkPreparer(spark, job, owns_session=not existed)


def _active_session() -> bool:
    """Is a SparkSession running in this process already (a notebook's, a test's)? Then it is not ours to stop."""
    try:
        from pyspark.sql import SparkSession

        return SparkSession.getActiveSession() is not None
    except ImportError:
        return False  # spark_session() says, in one line, what to install
