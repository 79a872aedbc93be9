"""``compliance audit PATH...``: may we keep, mine and quote each document of a scraped archive?"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from compliance.commands.common import FAIL_ON_HELP, RULES_OPTION, check_choice, output_stream
from compliance.commands.engine_options import ENGINE_OPTION, SPARK_MASTER_OPTION
from compliance.commands.limit_options import (
    FOLLOW_SYMLINKS_OPTION,
    MAX_FILE_SIZE_OPTION,
    MAX_LINE_OPTION,
    apply_limits,
)

FORMATS = ("text", "json", "html")
FAIL_ON = ("error", "warning", "info", "never")
RECORD_SUFFIXES = (".jsonl", ".csv")

if TYPE_CHECKING:
    from compliance.config import Config
    from compliance.spark.audit import SparkAuditOptions


def audit(
    paths: list[str] = typer.Argument(..., help="HTML pages, WARC files, JSONL dumps, text files or directories; "
                                      "with --engine spark also Hadoop URIs (s3a://, hdfs://, file://) and "
                                      "@MANIFEST (a file listing one path or URI per line).", metavar="PATH"),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, metavar="N", help="Worker processes (default: all cores); "
                             "with --engine spark and no --spark-master, -j N runs local[N]."),
    records_file: Path = typer.Option(None, "--records", metavar="FILE|DIR",
                                      help="Write one record per document to FILE.jsonl or FILE.csv; with "
                                           "--engine spark, to DIR (one part-*.jsonl per task, then _SUCCESS)."),
    output: Path = typer.Option(None, "--output", "-o", dir_okay=False, metavar="FILE",
                                help="Write the report (--format) to FILE instead of stdout. A FILE.jsonl or "
                                     "FILE.csv is taken as --records, as -o meant before."),
    format: str = typer.Option("text", "--format", "-f", metavar="FORMAT",
                               help="text (summary), json or html (report)."),
    resume: bool = typer.Option(False, "--resume", help="Skip documents already in --records."),
    rules: list[str] = RULES_OPTION,
    fail_on: str = typer.Option(None, "--fail-on", metavar="LEVEL", help=FAIL_ON_HELP.format(
        what="findings of this severity", default="fail-on in the config, else error")),
    extract: str = typer.Option("full", "--extract", metavar="MODE", help="Main text of HTML pages: full "
                                "(trafilatura) or fast (lexbor/resiliparse, ~2x faster, lower precision)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar (shown on stderr when it is a "
                                                             "terminal)."),
    progress: bool = typer.Option(None, "--progress/--no-progress", hidden=True,
                                  help="Old spellings: --no-progress is --quiet; --progress forces the bar."),
    max_file_size: str = MAX_FILE_SIZE_OPTION,
    max_line_length: int = MAX_LINE_OPTION,
    follow_symlinks: bool = FOLLOW_SYMLINKS_OPTION,
    engine: str = ENGINE_OPTION,
    spark_master: str = SPARK_MASTER_OPTION,
    records_format: str = typer.Option(None, "--records-format", metavar="FORMAT",
                                       help="With --engine spark: jsonl (default: the local engine's lines) or "
                                            "parquet (the CSV columns, typed) part files."),
) -> None:
    """Audit an archive: per document the rights notices, machine-readable signals, store/TDM/quote verdicts
    with the deciding rule, and clusters of copies. Exit 1 when findings or unreadable documents reach
    --fail-on."""
    import tempfile

    from compliance.audit.report import outcome, render_text, summarize, write_json
    from compliance.audit.runner import EXTRACT_MODES, AuditOptions, run_audit
    from compliance.audit.sinks import JsonlSink, Sidecar, sink_for
    from compliance.commands.common import console
    from compliance.commands.inputs import audit_inputs, audited_something
    from compliance.config import load_config, rule_dirs

    check_choice(format, FORMATS, "--format")
    check_choice(extract, EXTRACT_MODES, "--extract")
    if fail_on is not None:
        check_choice(fail_on, FAIL_ON, "--fail-on")
    records_file, output = split_outputs(records_file, output)
    if resume and records_file is None:
        raise typer.BadParameter("needs --records (the file to resume)", param_hint="--resume")
    master = spark_master_for(engine, spark_master, jobs)
    if records_format is not None:
        if master is None:
            raise typer.BadParameter("only applies with --engine spark (the local engine's format is the "
                                     "--records suffix)", param_hint="--records-format")
        check_choice(records_format, ("jsonl", "parquet"), "--records-format")
    if master is not None:
        records_dir = spark_records_dir(records_file)
        config = load_config()
        apply_limits(config, max_file_size, max_line_length, follow_symlinks)
        from compliance.commands.inputs import configure_readers

        configure_readers(config, None)
        from compliance.spark.audit import SparkAuditOptions

        spark_options = SparkAuditOptions(master=master, records_dir=records_dir, resume=resume, extract=extract,
                                          rule_dirs=[*rule_dirs(config), *(rules or [])],
                                          records_format=records_format or "jsonl")
        audit_spark(paths, spark_options, config, format, output, fail_on)
        return
    require_paths(paths)
    config = load_config()
    apply_limits(config, max_file_size, max_line_length, follow_symlinks)
    audit_inputs(paths, config)
    options = AuditOptions(jobs=jobs, rule_dirs=[*rule_dirs(config), *(rules or [])], resume=resume, extract=extract,
                           progress=show_progress(quiet, progress))
    if records_file is not None and records_file.is_dir():
        raise typer.BadParameter("is a directory: the local engine writes one FILE.jsonl or FILE.csv",
                                 param_hint="--records")
    with tempfile.TemporaryDirectory(prefix="compliance-audit-") as spool, output_stream(output) as stream:
        sink = sink_for(records_file) if records_file is not None else JsonlSink(Path(spool) / "records.jsonl")
        sidecar = Sidecar(records_file) if records_file is not None else None
        run = run_audit(paths, sink, options, config, sidecar)
        summary = summarize(sink.records(), run.severity, run.not_read)
        audited_something(paths, summary.total.docs, summary.not_read)  # none at all: exit 2, not a green 0
        result = outcome(summary, run.severity, fail_on or config.fail_on)
        records = str(records_file) if records_file is not None else None
        if format == "json":
            write_json(sink.records(), summary, run.clusters, run, stream)
        elif format == "html":
            from compliance.audit.html_report import write_html

            write_html(sink.records(), summary, run.clusters, run, stream, result, records)
        else:
            render_text(summary, run.clusters, run, console(stream), result, records)
    if result.exit_code:
        raise typer.Exit(result.exit_code)



def spark_master_for(engine: str, spark_master: str | None, jobs: int) -> str | None:
    """The Spark master, or None for the local engine. ``-j N`` means ``local[N]`` when no master is named;
    with a master it would be silently meaningless (executors are sized in Spark conf), so it is an error."""
    from compliance.commands.engine_options import check_engine

    master = check_engine(engine, spark_master)
    if master is None or not jobs:
        return master
    if spark_master is not None:
        raise typer.BadParameter("sets local[N] for --engine spark; with --spark-master size the executors in "
                                 "[tool.compliance.spark] (spark.executor.cores)", param_hint="--jobs")
    return f"local[{jobs}]"


def spark_records_dir(records: Path | None) -> Path | None:
    """With --engine spark, --records names a directory of parts; a .jsonl/.csv name is the local engine's."""
    if records is not None and records.suffix.lower() in RECORD_SUFFIXES:
        raise typer.BadParameter(f"with --engine spark, records go to a directory of part files, not one "
                                 f"{records.suffix} file: name a directory", param_hint="--records")
    return records


def audit_spark(paths: list[str], options: SparkAuditOptions, config: Config, format: str, output: Path | None,
                fail_on: str | None) -> None:
    """The Spark engine's run and report: the same renderers as the local engine, the summary aggregated in
    Spark. Without --records the parts go to a temporary directory, as the local engine's spool file."""
    import tempfile

    from compliance.audit.report import outcome, render_text, write_json
    from compliance.commands.common import console
    from compliance.commands.inputs import audited_something
    from compliance.spark.audit import iter_records, read_specs, run_spark_audit, summarize

    specs = read_specs(paths)
    records_format = options.records_format
    records = str(options.records_dir) if options.records_dir is not None else None
    with tempfile.TemporaryDirectory(prefix="compliance-audit-") as spool, output_stream(output) as stream:
        target = options.records_dir = options.records_dir or Path(spool) / "records"
        run, spark, files = run_spark_audit(specs, options, config)
        summary = summarize(spark, target, files, run.severity)
        audited_something(specs, summary.total.docs, summary.not_read)  # as the local engine: exit 2
        run.skipped = summary.total.docs - run.written
        result = outcome(summary, run.severity, fail_on or config.fail_on)
        if format == "json":
            write_json(iter_records(target, files, records_format), summary, run.clusters, run, stream)
        elif format == "html":
            from compliance.audit.html_report import write_html

            write_html(iter_records(target, files, records_format), summary, run.clusters, run, stream, result,
                       records)
        else:
            render_text(summary, run.clusters, run, console(stream), result, records)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def split_outputs(records_file: Path | None, output: Path | None) -> tuple[Path | None, Path | None]:
    """(records, report). ``-o`` once named the records file (only .jsonl or .csv were accepted), and
    users' scripts depend on it: such a name still means the records unless --records is given."""
    if records_file is None and output is not None and output.suffix.lower() in RECORD_SUFFIXES:
        return output, None
    return records_file, output


def require_paths(paths: list[str]) -> None:
    """A path that does not exist is a usage error naming it, not an unreadable document in the report."""
    import os

    from compliance.errors import InputError

    for path in paths:
        if path != "-" and not os.path.lexists(path):
            raise InputError("no such file or directory", path)


def show_progress(quiet: bool, progress: bool | None) -> bool:
    """``--quiet`` (or the old ``--no-progress``) silences the bar; ``--progress`` forces it; by default it
    shows when stderr is a terminal."""
    if quiet:
        return False
    return sys.stderr.isatty() if progress is None else progress
