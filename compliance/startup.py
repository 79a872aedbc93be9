"""Start-up and exit of a command process: the fixed cost every ``compliance check`` pays besides its work.

A ``check`` builds, in a few hundred milliseconds, several hundred thousand objects that live until the process
ends (modules, the rule packs read back from the rule cache, the notice engine's keyword tables, NumPy) and no
cyclic garbage. With the collector on, each burst of allocations triggers collections that walk everything
built so far, again and again: ~85 ms of a one-draft ``check``'s ~1 s of CPU (measured with the collector off
for the whole run). :func:`building` pauses the collector during such a block: nothing is lost, the objects are
examined by the next collection as usual.

In the process of one command line (:func:`one_shot`, set by ``compliance.cli.main`` when it is the entry point),
what was built is also *frozen* (:func:`gc.freeze`): later collections skip it, so the search that follows
does not pay for walking the engine either. Frozen objects are never collected; that is right for a process
that ends with the command, and never done elsewhere (tests calling ``main([...])`` in-process, library users,
Spark workers), where a discarded engine must be freed. Such a process also runs NumPy with one BLAS thread and
ends without tearing down its objects one by one (:func:`leave`).
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_state = {"one_shot": False}


def one_shot() -> None:
    """This process runs one command and ends: freeze what is built from now on, and what exists already.

    Also one BLAS thread unless the user chose otherwise: NumPy's OpenBLAS starts a thread per core at import
    and they spin before they sleep (~40 ms of CPU of every ``check``, on the cores other jobs share), while
    the notice scorer's arithmetic is too small for BLAS threads to take part (its results do not change)."""
    _state["one_shot"] = True
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    gc.freeze()


@contextmanager
def building() -> Iterator[None]:
    """Pause the cyclic collector while the block builds long-lived objects (imports, rules, the notice engine)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _state["one_shot"]:
            gc.freeze()
        if enabled:
            gc.enable()


def leave(code: int) -> None:
    """End a one-command process without tearing its objects down one by one (the modules, rules and engine:
    ~45 ms of a ``check``, memory the operating system takes back anyway). What must happen at exit still
    does: the standard streams are flushed and the exit handlers run (``atexit``: logging, multiprocessing,
    Spark's gateway, coverage). Returns, for the ordinary exit, when that cannot be done the same way: not a
    one-command process, threads still running that the interpreter would wait for, a profiler or tracer
    that writes its results when the program ends (``python -m cProfile -m compliance ...``), or a stream that
    fails to flush (a closed pipe, or no stream at all: the interpreter handles that as it always has)."""
    import atexit
    import threading

    if not _state["one_shot"] or sys.getprofile() is not None or sys.gettrace() is not None:
        return
    if any(t is not threading.main_thread() and not t.daemon and t.is_alive() for t in threading.enumerate()):
        return
    if not _flushed():
        return
    atexit._run_exitfuncs()
    _flushed()  # what the handlers wrote
    os._exit(code)


def _flushed() -> bool:
    """Flush stdout and stderr; False when one is missing (``>&-``), closed or fails to flush."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - None, closed, EPIPE: leave it to the ordinary exit
        return False
    return True

