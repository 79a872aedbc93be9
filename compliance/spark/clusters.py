"""Clusters of copies across a whole archive, as a distributed join on the sketches, equal to the local ones.

The local :class:`~compliance.audit.clusters.ClusterIndex` adds documents one by one, in input order, and
joins two documents when the fingerprints they share cover ``threshold`` of the smaller sketch (at least
``min_shared``), or when their sketches are identical; a fingerprint stops counting after ``df_cap + 1``
holders (the first ``df_cap + 1`` in input order still count it with each other). Here the same rule runs as
Spark SQL over the ``_fingerprints`` parts:

1. documents get their input position (``zipWithIndex`` after sorting by input file, then record);
2. identical sketches: ``groupBy(sketch)`` joins each group to its first member;
3. shared fingerprints: ``explode`` each sketch to ``(fingerprint, doc)`` (every fingerprint is a band of
   one: the containment test needs exact counts, not a MinHash estimate), keep the first ``df_cap + 1``
   holders per fingerprint (a window by input position), self-join on the fingerprint and ``groupBy`` the
   pair to count what it shares; keep the pairs that pass the containment test;
4. connected components of those edges, **on the driver** (union-find over the collected edge list: one
   pair per joined couple of documents, small next to the documents themselves); then the clustered
   documents' names and claims are collected and :meth:`ClusterIndex.from_groups` numbers the clusters
   and names each original exactly as the local engine does.

Equal to the local engine as long as the local index stays under its postings budget (4M postings, some
16,000 full sketches); beyond it the local engine halves its sample and estimates, while this join keeps
every sampled fingerprint (no memory bound on one machine), so on very large archives the Spark clusters
are the more exact ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compliance.audit.clusters import Cluster, ClusterIndex
from compliance.audit.records import DocInfo, Key

FP_SCHEMA = ("path string, record long, url string, sketch array<long>, names array<string>, "
             "claims array<string>, date string")


def find_clusters(spark: Any, out: Path, files: list[str]) -> list[Cluster]:
    """Clusters of two or more documents over every part in ``out``, numbered as the local engine numbers them."""
    from compliance.spark.parts import FINGERPRINTS

    fp = spark.read.schema(FP_SCHEMA).json(str(out / FINGERPRINTS)).where("path is not null")
    docs = _in_input_order(spark, fp, files).cache()
    try:
        edges = _edges(docs)
        groups = _components(edges)
        if not groups:
            return []
        infos, index = _clustered_infos(spark, docs, groups)
        return ClusterIndex.from_groups(infos, [[index[d] for d in g] for g in groups]).clusters()
    finally:
        docs.unpersist()


def _in_input_order(spark: Any, fp: Any, files: list[str]) -> Any:
    """``doc`` grows with the document's position in input order (file order, then position in the file)."""
    from pyspark.sql import functions as F

    order = spark.createDataFrame(list(enumerate(files)), "idx long, path string")
    ranked = fp.join(F.broadcast(order), "path", "left").orderBy(
        F.coalesce("idx", F.lit(len(files))), "path", F.coalesce("record", F.lit(-1))).drop("idx")
    # ids that grow with the sort order (partition index, then row): all the join needs is the order
    return ranked.withColumn("doc", F.monotonically_increasing_id())


def _edges(docs: Any, rule: ClusterIndex | None = None) -> list[tuple[int, int]]:
    """Pairs of documents the local index would join: identical sketches, or enough shared fingerprints.

    Copies are collapsed first: documents with identical sketches are joined to their first member (the
    *representative*), and fingerprints held by at most ``df_cap + 1`` documents (every holder counts them)
    are counted once per pair of representatives, which is exact because identical sketches share the same
    fingerprints with everyone. Only fingerprints with more holders (boilerplate, where the input order decides
    who still counts them) are counted per pair of documents, and those counts are added to their
    representatives' count before the containment test."""
    from pyspark.sql import functions as F

    rule = rule if rule is not None else ClusterIndex()  # the local thresholds (an empty index is falsy)
    kept = docs.select("doc", "sketch", F.size("sketch").alias("n")).where(F.col("n") >= rule.min_shared)
    groups = kept.groupBy("sketch").agg(F.min("doc").alias("rep"), F.collect_list("doc").alias("members"),
                                        F.first("n").alias("n")).cache()
    try:
        member_rep = groups.select(F.explode("members").alias("doc"), "rep")
        same = member_rep.where(F.col("doc") != F.col("rep")).select(F.col("rep").alias("a"), F.col("doc").alias("b"))
        holders = kept.select("doc", F.explode("sketch").alias("h"))
        capped = holders.groupBy("h").count().where(F.col("count") > rule.df_cap + 1).select("h")
        reps = _pair_counts(groups.select(F.col("rep").alias("doc"), F.explode("sketch").alias("h"))
                            .join(capped, "h", "left_anti"), "ku")
        docs_capped = _pair_counts(_first_holders(holders.join(capped, "h", "left_semi"), rule.df_cap + 1), "kc")
        sizes = groups.select("rep", "n")
        by_reps = _passing(_with_sizes(reps, sizes, "a", "b"), rule, "ku")
        mixed = (docs_capped.join(member_rep.toDF("a", "ra"), "a").join(member_rep.toDF("b", "rb"), "b")
                 .where(F.col("ra") != F.col("rb"))
                 .join(reps.toDF("ra_", "rb_", "ku"), (F.least("ra", "rb") == F.col("ra_"))
                       & (F.greatest("ra", "rb") == F.col("rb_")), "left")
                 .withColumn("k", F.col("kc") + F.coalesce("ku", F.lit(0))))
        edges = same.union(by_reps).union(_passing(_with_sizes(mixed, sizes, "ra", "rb"), rule, "k"))
        return [(r["a"], r["b"]) for r in edges.distinct().collect()]
    finally:
        groups.unpersist()


def _first_holders(holders: Any, keep: int) -> Any:
    """The first ``keep`` holders of each fingerprint in input order (the local index's df cap)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    return (holders.withColumn("rank", F.row_number().over(Window.partitionBy("h").orderBy("doc")))
            .where(F.col("rank") <= keep).select("h", "doc"))


def _pair_counts(holders: Any, name: str) -> Any:
    """(a, b, shared) for every pair a < b holding common fingerprints: a self-join on the fingerprint."""
    from pyspark.sql import functions as F

    # named columns and a join on "h", not aliases: a self-join by alias can resolve both sides to one
    left = holders.select("h", F.col("doc").alias("a"))
    right = holders.select("h", F.col("doc").alias("b"))
    return (left.join(right, "h").where(F.col("a") < F.col("b"))
            .groupBy("a", "b").agg(F.count(F.lit(1)).alias(name)))


def _with_sizes(pairs: Any, sizes: Any, a: str, b: str) -> Any:
    """``na``, ``nb``: the sketch sizes of the pair's representatives ``a`` and ``b`` (equal for all copies)."""
    return pairs.join(sizes.toDF(a, "na"), a).join(sizes.toDF(b, "nb"), b)


def _passing(pairs: Any, rule: ClusterIndex, count: str) -> Any:
    """The pairs (a, b) whose shared count passes the local containment test against the smaller sketch."""
    from pyspark.sql import functions as F

    return pairs.where((F.col(count) >= rule.min_shared)
                       & (F.col(count) >= F.lit(rule.threshold) * F.least("na", "nb"))).select("a", "b")


def _components(edges: list[tuple[int, int]]) -> list[list[int]]:
    """Connected components (two or more documents each), members ascending, ordered by their first member."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for x in sorted(parent):
        groups.setdefault(find(x), []).append(x)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def _clustered_infos(spark: Any, docs: Any, groups: list[list[int]]) -> tuple[list[DocInfo], dict[int, int]]:
    """The clustered documents' keys, URLs, names and claims, in input order (what naming an original reads)."""
    from array import array

    from pyspark.sql import functions as F

    wanted = spark.createDataFrame([(d,) for g in groups for d in g], "doc long")
    rows = docs.join(F.broadcast(wanted), "doc").orderBy("doc").collect()
    infos = [DocInfo((r["path"], r["record"]), r["url"], array("q", r["sketch"] or []), list(r["names"] or []),
                     list(r["claims"] or []), r["date"]) for r in rows]
    return infos, {r["doc"]: i for i, r in enumerate(rows)}


def fill_clusters(spark: Any, job: Any, out: Path, clusters: list[Cluster]) -> int:
    """Write each record's ``cluster`` field into its part (a Spark job over the parts); only parts whose
    fields change are rewritten, each atomically. Returns the number of parts rewritten."""
    from compliance.spark.parts import part_files

    fields = {key: c.field_for(key) for c in clusters for key in c.members}
    parts = [p.name for p in part_files(out)]
    if not parts:
        return 0
    sc = spark.sparkContext
    shared = sc.broadcast(fields)
    target, fmt = job.out, job.records_format
    try:
        return sum(sc.parallelize(parts, min(len(parts), sc.defaultParallelism * 4))
                   .map(lambda name: fill_part(Path(target) / name, shared.value, fmt)).collect())
    finally:
        shared.destroy()


def fill_part(part: Path, fields: dict[Key, Any], records_format: str) -> int:
    """Set ``cluster`` in one part from ``fields`` (None for documents in no cluster); 1 if it was rewritten
    (into a hidden temporary file renamed over the part, so the part is whole at every moment)."""
    import os

    from compliance.safe_write import sibling_temp
    from compliance.spark.parts import fsync_file, part_format

    fmt = part_format(records_format)
    if all(r.get("cluster") == fields.get((r["path"], r.get("record"))) for r in fmt.read(part)):
        return 0
    fd, tmp = sibling_temp(part)
    os.close(fd)
    try:
        writer = fmt.writer(tmp)
        for r in fmt.read(part):
            writer.write({**r, "cluster": fields.get((r["path"], r.get("record")))})
        writer.close()
        fsync_file(tmp)
        os.replace(tmp, part)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return 1
