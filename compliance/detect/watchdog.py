"""A rule's time budget kept by an interval timer instead of ``regex``'s per-call ``timeout=``.

``regex`` stops a runaway pattern when given ``timeout=``, but each call then sets up and reads a
clock: over real prose that costs ~5 % of the notice engine's time. ``regex`` also checks for signals
while it matches, so a CPU-time interval timer (``ITIMER_PROF``, delivering ``SIGPROF``) whose handler
raises :class:`RuleTimeout` stops a pattern just as well and costs one ``setitimer`` per rule.
``ITIMER_PROF`` counts the process's CPU time, not the wall clock (a busy machine does not eat a rule's
budget), and it is not the ``SIGALRM`` timer that ``pytest-timeout``, the HTML extraction budget or an
embedding application may be using.

Signals reach the main thread only, so the timer is used there, on POSIX, and only if nobody else holds
``SIGPROF`` (a sampling profiler); elsewhere :meth:`Watchdog.start` returns ``False`` and the engine
passes ``timeout=`` to every call instead. The handler, once installed, stays: outside a rule it
ignores the signal.
"""

from __future__ import annotations

import _signal  # its getsignal: ``signal.getsignal`` converts the result to an enum, ~50x slower
import signal
import threading
from typing import Any

_HAS_TIMER = hasattr(signal, "setitimer") and hasattr(signal, "SIGPROF")


class RuleTimeout(TimeoutError):
    """A rule ran past its budget on the current document."""


class Watchdog:
    """``start()`` before a document's rules (whether the timer is usable), ``arm(seconds)`` as each
    rule starts its first search (replacing the previous rule's timer), ``armed = False`` as the rule
    ends (a late signal then does nothing), ``stop()`` after the document."""

    def __init__(self) -> None:
        self.armed = False
        self._ticking = False
        self._handler = self._expired  # one bound method, compared by identity
        self._installed = False

    def start(self) -> bool:
        if threading.get_ident() != threading.main_thread().ident:
            return False
        if self._installed:
            return _signal.getsignal(signal.SIGPROF) is self._handler  # unless someone took it over
        if not _HAS_TIMER or signal.getsignal(signal.SIGPROF) not in (signal.SIG_DFL, None) \
                or signal.getitimer(signal.ITIMER_PROF) != (0.0, 0.0):
            return False
        signal.signal(signal.SIGPROF, self._handler)
        self._installed = True
        return True

    def arm(self, seconds: float) -> None:
        self.armed = self._ticking = True
        signal.setitimer(signal.ITIMER_PROF, seconds)

    def stop(self) -> None:
        self.armed = False  # first: a signal already on its way then does nothing
        if self._ticking:
            self._ticking = False
            signal.setitimer(signal.ITIMER_PROF, 0)

    def _expired(self, signum: int, frame: Any) -> None:
        if self.armed:
            self.armed = False
            raise RuleTimeout


WATCHDOG = Watchdog()  # one per process: the signal and its timer are the process's
