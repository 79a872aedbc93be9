"""One way to get a SparkSession: master, the project's ``[tool.compliance.spark]`` conf, loopback for local.

Local masters (``local``, ``local[2]``, ``local[*]``) bind the driver to 127.0.0.1 so that a test or a bench run
never listens on, or contacts, any other address; a cluster master takes its addresses from the cluster.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from compliance.errors import ConfigError, optional_module

DEFAULT_MASTER = "local[*]"
LOOPBACK = "127.0.0.1"
APP_NAME = "compliance"
LOG_CONFIG = Path(__file__).with_name("log4j2.properties")  # Spark's own log: off (the command says what failed)


def is_local(master: str) -> bool:
    return master == "local" or master.startswith("local[")


def spark_conf(master: str, conf: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The conf a session is built with: quiet defaults, loopback binding for local masters, then the user's keys
    (``[tool.compliance.spark]``) which win, except that a local master always stays on loopback."""
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.task.maxFailures": "4",
        # Python workers must not import from their working directory: an html.py there shadowed the stdlib
        "spark.executorEnv.PYTHONSAFEPATH": "1",
    }
    settings.update({str(k): _conf_value(v) for k, v in (conf or {}).items()})
    java = settings.get("spark.driver.extraJavaOptions", "")
    if "log4j2.configurationFile" not in java:  # Spark's log off unless the user's conf names a log config
        java = f"{java} -Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}".strip()
    if is_local(master):
        java = f"{_local_jvm_options(java)} {java}".strip()
    settings["spark.driver.extraJavaOptions"] = java
    if is_local(master):
        settings["spark.driver.host"] = LOOPBACK
        settings["spark.driver.bindAddress"] = LOOPBACK
    return settings


def _local_jvm_options(java: str) -> str:
    """A lighter JVM for a local master, unless the user's options choose: the driver JVM is also the only
    executor, but the documents are read and scanned in the Python workers, so its optimising JIT compiler
    (C2) and its concurrent collector only take cores from them. With the quick compiler alone and the serial
    collector the JVM spent half the CPU (14 -> 7 s) and the session started 1.3 s sooner on 2,000 pages
    (docs/benchmarks.md)."""
    options = []
    if "TieredStopAtLevel" not in java and "TieredCompilation" not in java:
        options.append("-XX:TieredStopAtLevel=1")
    if not re.search(r"-XX:[+-]Use\w*GC\b", java):
        options.append("-XX:+UseSerialGC")
    return " ".join(options)


def _conf_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def spark_session(master: str = DEFAULT_MASTER, conf: Mapping[str, Any] | None = None, feature: str = "--engine spark"):
    """A SparkSession for ``master``; ``conf`` from the config file. A missing pyspark extra or Java is one line."""
    optional_module("pyspark", "spark", feature)
    from pyspark.sql import SparkSession

    if is_local(master):
        os.environ["SPARK_LOCAL_IP"] = LOOPBACK
    builder = SparkSession.builder.master(master).appName(APP_NAME)
    for key, value in spark_conf(master, conf).items():
        builder = builder.config(key, value)
    safe = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"  # the JVM started here passes it to its local Python workers
    try:
        spark = builder.getOrCreate()
    except Exception as err:  # Java missing, bad master URL, port refused: one line, not a Py4J traceback
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError(f"cannot start Spark ({master}): {first}") from None
    finally:  # the driver's own environment (and the subprocesses it starts later) as it was
        if safe is None:
            os.environ.pop("PYTHONSAFEPATH", None)
        else:
            os.environ["PYTHONSAFEPATH"] = safe
    return spark


def with_retries(master: str, conf: dict[str, Any] | None = None) -> str:
    """``local[N]`` as ``local[N,F]``: a local master otherwise never retries a failed task (Spark gives local
    mode one attempt), and the engine's promise that a dying task is retried must hold on one machine too;
    F is ``spark.task.maxFailures`` (default 4). Other masters retry by themselves."""
    if not is_local(master) or "," in master:
        return master
    failures = (conf or {}).get("spark.task.maxFailures", 4)
    threads = master[len("local["):-1] if master.startswith("local[") else "1"
    return f"local[{threads},{failures}]"


def first_line(err: BaseException) -> str:
    """The useful line of a Py4J/Spark error: the Python exception a task raised, else the first line."""
    text = str(err)
    hits = re.findall(r"^(?:[\w.]+(?:Error|Exception)): .+$", text, flags=re.M)
    if hits:
        return hits[-1].strip()
    lines = [x.strip() for x in text.strip().splitlines() if x.strip()]
    return lines[0] if lines else type(err).__name__
