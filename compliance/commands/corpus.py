"""``compliance corpus add|remove|list|stats``: the local corpus that ``check`` compares drafts with."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from compliance.commands.common import RULES_OPTION, StderrProgress, check_choice, output_stream, write_json
from compliance.commands.engine_options import ENGINE_OPTION, SPARK_MASTER_OPTION
from compliance.commands.inputs import INCLUDE_OPTION
from compliance.commands.limit_options import (
    FOLLOW_SYMLINKS_OPTION,
    MAX_FILE_SIZE_OPTION,
    MAX_LINE_OPTION,
    apply_limits,
)

if TYPE_CHECKING:
    from compliance.config import Config

app = typer.Typer(help="Build and inspect the corpus index (SQLite) that `check` compares drafts with.",
                  no_args_is_help=True)

INDEX_OPTION = typer.Option(None, "--index", "-i", help="Corpus index file (default: `corpus` in the config, "
                            "else .compliance/corpus.sqlite).", metavar="INDEX", dir_okay=False)
FORMATS = ("text", "json")


def index_path(option: Path | None, config: Config | None = None) -> str:
    """``--index``, else ``corpus`` from the project config (relative to it), else the nearest
    ``.compliance/corpus.sqlite`` from the working directory up (as the config is found), else that path here.

    ``config`` is the project config when the caller has loaded it already."""
    if option is not None:
        return str(option)
    from compliance.config import find_upwards, load_config
    from compliance.reuse.index import DEFAULT_INDEX

    config = config or load_config()
    if config.corpus:
        return str(Path(config.root) / config.corpus)
    found = find_upwards(DEFAULT_INDEX)
    return os.path.relpath(found) if found is not None else DEFAULT_INDEX


@app.command("add")
def add(
    paths: list[str] = typer.Argument(..., help="Files and directories to index (directories are walked).",
                                      metavar="PATH"),
    index: Path = INDEX_OPTION,
    rules: list[str] = RULES_OPTION,
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes (0: one per CPU, at most 4); with "
                             "--engine spark and no --spark-master, -j N runs local[N].", min=0, metavar="N"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary."),
    batch: int = typer.Option(2000, "--batch", help="Documents per transaction (a killed add keeps "
                              "every batch written before).", min=1, metavar="N"),
    include: list[str] = INCLUDE_OPTION,
    max_file_size: str = MAX_FILE_SIZE_OPTION,
    max_line_length: int = MAX_LINE_OPTION,
    follow_symlinks: bool = FOLLOW_SYMLINKS_OPTION,
    engine_name: str = ENGINE_OPTION,
    spark_master: str = SPARK_MASTER_OPTION,
) -> None:
    """Add documents (or refresh changed ones); unchanged files are skipped, changed ones replaced.

    With --engine spark, reading, notices and fingerprints run in Spark tasks (the files must be readable at
    the same path on every executor) and this process writes the same index. Exit 2 when nothing could be
    read (every file skipped, or none found)."""
    from compliance.commands.audit import spark_master_for
    from compliance.commands.inputs import check_added, configure_readers
    from compliance.config import load_config
    from compliance.errors import InputError
    from compliance.pipeline import load_engine
    from compliance.reuse.index import CorpusIndex

    master = spark_master_for(engine_name, spark_master, jobs)
    if "-" in paths:
        raise InputError("a corpus document needs a file name; stdin cannot be indexed", "-")
    config = load_config()
    apply_limits(config, max_file_size, max_line_length, follow_symlinks)
    configure_readers(config, include)
    explicit = [p for p in paths if not os.path.isdir(p)]
    for p in explicit:
        if not os.path.exists(p):
            raise InputError("no such file", p)
    prepare = None
    if master is not None:  # before the index exists: no pyspark or no Java is one line and no empty index
        from compliance.spark.corpus import spark_preparer

        prepare = spark_preparer(master, config, rules, include)
    engine = load_engine(rules)
    workers = jobs or min(4, os.cpu_count() or 1)
    bar = StderrProgress("indexing", not quiet, every=50)
    with prepare or contextlib.nullcontext(), CorpusIndex(index_path(index, config), create=True) as idx, \
            bar as progress:
        report = idx.add_paths(paths, engine, progress=progress, jobs=workers, strict=explicit, batch=batch,
                               prepare=prepare)
        total = len(idx)
    check_added(report, paths)
    if not quiet:
        typer.echo(f"{report.summary()}; {total} documents in {idx.path}")


@app.command("remove")
def remove(
    targets: list[str] = typer.Argument(..., help="Document ids, files or directories to remove.",
                                        metavar="ID|PATH"),
    index: Path = INDEX_OPTION,
) -> None:
    """Remove documents by id (as `list` shows it), by file, or everything under a directory."""
    from compliance.reuse.index import CorpusIndex

    with CorpusIndex(index_path(index)) as idx:
        count = idx.remove(targets)
        total = len(idx)
    typer.echo(f"{count} removed; {total} documents in {idx.path}")


@app.command("list")
def list_documents(
    index: Path = INDEX_OPTION,
    format: str = typer.Option("text", "--format", "-f", help="text or json."),
    output: Path = typer.Option(None, "--output", "-o", help="Write the list to FILE.", dir_okay=False,
                                metavar="FILE"),
) -> None:
    """List indexed documents: id, path, title, publisher, words, notices."""
    from compliance.reuse.index import CorpusIndex

    check_choice(format, FORMATS, "--format")
    with CorpusIndex(index_path(index)) as idx:
        rows = idx.list()
    with output_stream(output) as stream:
        if format == "json":
            write_json(rows, stream)
            return
        for r in rows:
            name = r["path"] + (f"#{r['record']}" if r["record"] is not None else "")
            label = " · ".join(str(x) for x in (r["publisher"], r["title"]) if x)
            stream.write(f"{r['id']}  {name}  {r['words']} words  {r['notices']} notices"
                         + (f"  {label}" if label else "") + "\n")


@app.command("stats")
def stats(
    index: Path = INDEX_OPTION,
    format: str = typer.Option("text", "--format", "-f", help="text or json."),
) -> None:
    """Documents, words, postings and size on disk of the index."""
    from compliance.reuse.index import CorpusIndex

    check_choice(format, FORMATS, "--format")
    with CorpusIndex(index_path(index)) as idx:
        s = idx.stats()
    if format == "json":
        write_json(s, sys.stdout)
        return
    ratio = s["bytes"] / s["characters"] if s["characters"] else 0.0
    typer.echo(f"index      {s['path']} (format {s['format']})\n"
               f"documents  {s['documents']} from {s['files']} files\n"
               f"words      {s['words']}\n"
               f"text       {s['characters']} characters\n"
               f"postings   {s['postings']} ({s['gram']}-word n-grams, window {s['window']}) "
               f"in {s['segments']} segments\n"
               f"size       {s['bytes'] / 1e6:.1f} MB ({ratio:.2f} x text)")
