"""Clusters of copies across a whole archive, as a distributed join on the sketches, equal to the local ones.

The local :class:`~compliance.audit.clusters.ClusterIndex` adds documents one by one, in input order, and
joins two documents when the fingerprints they share cover ``threshold`` of the smaller sketch (at least
``min_shared``), or when their sketches are identical; a fingerprint stops counting after ``df_cap + 1``
holders (the first ``df_cap + 1`` in input order still count it with each other). Here the same rule runs as
three shuffles of Spark's RDD API over the ``_fingerprints`` parts (plain Python functions: on a small
archive Spark SQL's planning and code generation cost more than the join itself):

1. each document is keyed by its input position, ``(file index, path, record)``, which sorts as the local
   engine adds documents;
2. identical sketches: grouped by sketch, each group joined to its first member (the *representative*);
3. shared fingerprints: each group's members are sent to every fingerprint of its sketch and combined per
   fingerprint, keeping the total and only the first ``df_cap + 1`` holders in input order (memory per
   fingerprint is bounded, however common it is). A fingerprint with at most ``df_cap + 1`` holders counts
   once for every pair of representatives (exact: copies share the same fingerprints with everyone); one
   with more counts for the pairs among its first holders only, per pair of documents;
4. per pair of representatives: the shared count, plus the best per-document count of the capped
   fingerprints, against the containment test; the passing pairs are the edges;
5. connected components of the edges **on the driver** (union-find over the collected edge list: one pair per
   joined couple of documents, small next to the documents themselves); then the clustered documents' names
   and claims are collected and :meth:`ClusterIndex.from_groups` numbers the clusters and names each original
   exactly as the local engine does.

Equal to the local engine as long as the local index stays under its postings budget (4M postings, some
16,000 full sketches); beyond it the local engine halves its sample and estimates, while this join keeps
every sampled fingerprint (no memory bound on one machine), so on very large archives the Spark clusters
are the more exact ones.
"""

from __future__ import annotations

import heapq
import json
from itertools import combinations
from pathlib import Path
from typing import Any

from compliance.audit.clusters import Cluster, ClusterIndex
from compliance.audit.records import DocInfo, Key

BYTES_PER_PARTITION = 64 << 20  # of sketch lines: some 50,000 documents
DocId = tuple  # (file index, path, record or -1): sorts in input order
Holder = tuple  # (doc, representative, sketch size)


def find_clusters(spark: Any, out: Path, files: list[str]) -> list[Cluster]:
    """Clusters of two or more documents over every part in ``out``, numbered as the local engine numbers them."""
    sc = spark.sparkContext
    lines = _sketch_lines(sc, out)
    if lines is None:
        return []
    order = sc.broadcast({f: i for i, f in enumerate(files)})
    rows = lines.map(_parse).filter(lambda r: r is not None) \
        .map(lambda r: (_doc_id(r, order.value), r)).cache()
    try:
        groups = _components(_edges(rows.map(lambda d: (d[0], d[1]["sketch"] or []))))
        if not groups:
            return []
        infos, index = _clustered_infos(sc, rows, groups)
        return ClusterIndex.from_groups(infos, [[index[d] for d in g] for g in groups]).clusters()
    finally:
        rows.unpersist()
        order.destroy()


def _sketch_lines(sc: Any, out: Path) -> Any:
    """The lines of the ``_fingerprints`` parts, or None when there are none. Named by a glob: Hadoop's
    input listing skips paths starting with ``_``, the directory itself included."""
    from compliance.spark.parts import FINGERPRINTS, PART

    folder = out / FINGERPRINTS
    sizes = [p.stat().st_size for p in folder.glob(f"{PART}*.jsonl")]
    if not sizes:
        return None
    # one partition per part file is one Python task per part in every stage (tens of ms each, seconds in
    # all on a small archive); sized by bytes instead, at least one per core
    partitions = max(sc.defaultParallelism, sum(sizes) // BYTES_PER_PARTITION)
    return sc.textFile(str(folder / f"{PART}*.jsonl")).coalesce(partitions)


def _parse(line: str) -> dict[str, Any] | None:
    row = json.loads(line) if line.strip() else None
    return row if row and row.get("path") is not None else None


def _doc_id(row: dict[str, Any], order: dict[str, int]) -> DocId:
    record = row.get("record")
    return (order.get(row["path"], len(order)), row["path"], -1 if record is None else record)


def _edges(docs: Any, rule: ClusterIndex | None = None) -> list[tuple[Any, Any]]:
    """Pairs of documents the local index would join, from an RDD of ``(doc, sketch)`` (``doc`` sorting in
    input order): identical sketches, or enough shared fingerprints (see the module's steps 2 to 4)."""
    rule = rule if rule is not None else ClusterIndex()  # the local thresholds (an empty index is falsy)
    cap, min_shared, threshold = rule.df_cap + 1, rule.min_shared, rule.threshold
    groups = (docs.filter(lambda d: len(d[1]) >= min_shared).map(lambda d: (tuple(d[1]), d[0]))
              .groupByKey().map(lambda g: (g[0], sorted(g[1]))).cache())
    try:
        same = groups.flatMap(lambda g: [(g[1][0], m) for m in g[1][1:]])
        holders = (groups.flatMap(lambda g: _holders(g[0], g[1], cap))
                   .reduceByKey(lambda a, b: _merge_holders(a, b, cap)))
        pairs = (holders.flatMap(lambda h: _pair_counts(h[1], cap))
                 .reduceByKey(_merge_counts)
                 .filter(lambda p: _passes(p[1], min_shared, threshold)).keys())
        return same.union(pairs).distinct().collect()
    finally:
        groups.unpersist()


def _holders(sketch: tuple[int, ...], members: list[DocId], cap: int) -> list[tuple[int, tuple[int, list]]]:
    """``(fingerprint, (holders in all, first cap holders))`` for one group of identical sketches."""
    first = [(m, members[0], len(sketch)) for m in members[:cap]]
    return [(h, (len(members), first)) for h in sketch]


def _merge_holders(a: tuple[int, list], b: tuple[int, list], cap: int) -> tuple[int, list]:
    return a[0] + b[0], list(heapq.merge(a[1], b[1]))[:cap]


def _pair_counts(held: tuple[int, list[Holder]], cap: int) -> list[tuple[tuple, tuple]]:
    """What one fingerprint adds to pairs of representatives: ``(shared, capped counts per document pair,
    sizes)``. Counted once per pair of representatives while it has at most ``cap`` holders; beyond that only
    among its first ``cap`` holders, per pair of documents (the input order decides who still counts it)."""
    total, first = held
    out = []
    if total <= cap:
        reps = [h for h in first if h[0] == h[1]]
        for (_, ra, na), (_, rb, nb) in combinations(reps, 2):
            if ra != rb:
                out.append(((ra, rb), (1, None, na, nb)) if ra < rb else ((rb, ra), (1, None, nb, na)))
        return out
    for (a, ra, na), (b, rb, nb) in combinations(first, 2):
        if ra != rb and a != b:
            key, sizes = ((ra, rb), (na, nb)) if ra < rb else ((rb, ra), (nb, na))
            out.append((key, (0, {(a, b): 1}, *sizes)))
    return out


def _merge_counts(x: tuple, y: tuple) -> tuple:
    capped = x[1]
    if y[1]:
        capped = dict(capped or {})
        for pair, n in y[1].items():
            capped[pair] = capped.get(pair, 0) + n
    return x[0] + y[0], capped, x[2], x[3]


def _passes(counts: tuple, min_shared: int, threshold: float) -> bool:
    """The local containment test, for the best document pair of two representatives (copies share every
    uncapped fingerprint, so their pairs differ only in the capped ones)."""
    shared, capped, na, nb = counts
    k = shared + max(capped.values(), default=0) if capped else shared
    return k >= min_shared and k >= threshold * min(na, nb)


def _components(edges: list[tuple[Any, Any]]) -> list[list[Any]]:
    """Connected components (two or more documents each), members ascending, ordered by their first member."""
    parent: dict[Any, Any] = {}

    def find(x: Any) -> Any:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[Any, list[Any]] = {}
    for x in sorted(parent):
        groups.setdefault(find(x), []).append(x)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def _clustered_infos(sc: Any, rows: Any, groups: list[list[DocId]]) -> tuple[list[DocInfo], dict[DocId, int]]:
    """The clustered documents' keys, URLs, names and claims, in input order (what naming an original reads)."""
    from array import array

    wanted = sc.broadcast({d for g in groups for d in g})
    try:
        found = sorted(rows.filter(lambda d: d[0] in wanted.value).collect(), key=lambda d: d[0])
    finally:
        wanted.destroy()
    infos = [DocInfo((r["path"], r.get("record")), r.get("url"), array("q", r.get("sketch") or []),
                     list(r.get("names") or []), list(r.get("claims") or []), r.get("date")) for _, r in found]
    return infos, {d: i for i, (d, _) in enumerate(found)}


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
