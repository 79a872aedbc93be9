"""``--engine`` and ``--spark-master``: the options ``audit`` and ``corpus add`` share to choose where they run."""

from __future__ import annotations

import typer

ENGINES = ("local", "spark")

ENGINE_OPTION = typer.Option(
    "local", "--engine", metavar="ENGINE",
    help="local (processes on this machine) or spark (Spark tasks; needs the 'spark' extra and Java 17).")
SPARK_MASTER_OPTION = typer.Option(
    None, "--spark-master", metavar="URL",
    help="Spark master for --engine spark: local[*] (default), local[N], spark://host:7077, yarn, k8s://... "
         "Conf keys come from \\[tool.compliance.spark] in the config.")  # "\\[": not Rich markup


def check_engine(engine: str, spark_master: str | None) -> str | None:
    """The Spark master to use (None for the local engine); --spark-master without --engine spark is an error
    rather than silently ignored."""
    from compliance.commands.common import check_choice
    from compliance.spark.session import DEFAULT_MASTER

    check_choice(engine, ENGINES, "--engine")
    if engine != "spark":
        if spark_master is not None:
            raise typer.BadParameter("only applies with --engine spark", param_hint="--spark-master")
        return None
    return spark_master or DEFAULT_MASTER
