"""PySpark's worker daemon, warmed: parsers imported, the built-in rules and signal vocabulary loaded once, before
it forks workers.

Spark starts one daemon per executor (``python -m <spark.python.daemon.module>``) and forks a Python worker
from it for each task slot. The audit engine sets ``spark.python.daemon.module`` to this module, so every forked
worker starts with lxml, trafilatura, resiliparse and the rule loader's caches already in memory, as the local
pool's forked workers start from a warm parent: without it each worker spends ~1.5 s of CPU on imports and
the first rule load before its first document. Worker state itself (which depends on the run's rules and
config) is still loaded per run by :func:`compliance.spark.audit.ensure_state`.
"""

from __future__ import annotations

MODULE = "compliance.spark.daemon"


def preload() -> None:
    """Import what every audit task needs and load the built-in rule packs and vocabulary once (warming their
    caches)."""
    from contextlib import suppress

    from compliance.audit.runner import _preload

    for mode in ("full", "fast"):
        _preload(mode)
    with suppress(Exception):  # a broken rule pack is reported by the task that loads it, with its path
        from compliance.ruleset.loader import load_ruleset

        load_ruleset([])
    with suppress(Exception):
        from compliance.detect.signals import load_vocabulary

        load_vocabulary()


if __name__ == "__main__":
    preload()
    from pyspark.daemon import manager

    manager()
