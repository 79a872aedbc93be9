"""PAN plagiarism-detection measures (Potthast et al., COLING 2010), independent of compliance.

A *case* or *detection* is a pair of character spans: ``[this_offset, this_offset + this_length)``
in a suspicious document and ``[source_offset, source_offset + source_length)`` in a source
document. Characters are counted on both sides. A detection *detects* a case when both refer to the
same two documents and overlap on both sides (as in the official PAN 2011+ evaluation script).

- recall: mean over cases of the share of the case's characters inside detections that detect it
- precision: the same with cases and detections swapped
- granularity: mean number of detections per detected case
- PlagDet: F1 / log2(1 + granularity)
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Annotation:
    this_reference: str
    this_offset: int
    this_length: int
    source_reference: str
    source_offset: int
    source_length: int
    obfuscation: str = ""

    @property
    def this_end(self) -> int:
        return self.this_offset + self.this_length

    @property
    def source_end(self) -> int:
        return self.source_offset + self.source_length


def read_annotations(xml_path: str | Path, name: str = "plagiarism") -> list[Annotation]:
    """The ``<feature name=...>`` elements of one PAN XML file."""
    root = ET.parse(xml_path).getroot()
    ref = root.get("reference") or Path(xml_path).with_suffix(".txt").name
    out = []
    for f in root.iter("feature"):
        if f.get("name") != name:
            continue
        obf = f.get("obfuscation") or f.get("type") or ""
        out.append(Annotation(ref, int(f.get("this_offset")), int(f.get("this_length")),
                              f.get("source_reference"), int(f.get("source_offset")),
                              int(f.get("source_length")), obf))
    return out


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def detects(a: Annotation, b: Annotation) -> bool:
    return (a.this_reference == b.this_reference and a.source_reference == b.source_reference
            and _overlap(a.this_offset, a.this_end, b.this_offset, b.this_end) > 0
            and _overlap(a.source_offset, a.source_end, b.source_offset, b.source_end) > 0)


def _by_doc(items: list[Annotation]) -> dict[str, list[Annotation]]:
    out: dict[str, list[Annotation]] = defaultdict(list)
    for a in items:
        out[a.this_reference].append(a)
    return out


def _union_length(spans: list[tuple[int, int]]) -> int:
    total, end = 0, -1
    for s, e in sorted(spans):
        if e <= end:
            continue
        total += e - max(s, end)
        end = e
    return total


def _covered(case: Annotation, others: list[Annotation]) -> float:
    """Share of ``case``'s characters (both sides) inside the ``others`` that overlap it."""
    hits = [o for o in others if detects(case, o)]
    this = [(max(case.this_offset, o.this_offset), min(case.this_end, o.this_end)) for o in hits]
    src = [(max(case.source_offset, o.source_offset), min(case.source_end, o.source_end)) for o in hits]
    total = case.this_length + case.source_length
    return (_union_length(this) + _union_length(src)) / total if total else 0.0


def macro_recall(cases: list[Annotation], detections: list[Annotation]) -> float:
    if not cases and not detections:
        return 1.0
    if not cases or not detections:
        return 0.0
    index = _by_doc(detections)
    return sum(_covered(c, index[c.this_reference]) for c in cases) / len(cases)


def macro_precision(cases: list[Annotation], detections: list[Annotation]) -> float:
    return macro_recall(detections, cases)


def granularity(cases: list[Annotation], detections: list[Annotation]) -> float:
    index = _by_doc(detections)
    counts = [sum(1 for d in index[c.this_reference] if detects(c, d)) for c in cases]
    detected = [n for n in counts if n > 0]
    return sum(detected) / len(detected) if detected else 1.0


def plagdet(precision: float, recall: float, gran: float) -> float:
    if precision <= 0 or recall <= 0 or gran < 1:
        return 0.0
    f1 = 2 * precision * recall / (precision + recall)
    return f1 / math.log2(1 + gran)


@dataclass(frozen=True, slots=True)
class Scores:
    cases: int
    detections: int
    precision: float
    recall: float
    granularity: float
    plagdet: float


def score(cases: list[Annotation], detections: list[Annotation]) -> Scores:
    p, r, g = macro_precision(cases, detections), macro_recall(cases, detections), granularity(cases, detections)
    return Scores(len(cases), len(detections), p, r, g, plagdet(p, r, g))


def score_by_type(cases: list[Annotation], detections: list[Annotation]) -> dict[str, Scores]:
    """Scores per obfuscation type: the cases of that type and the detections that detect one of them.

    Detections that detect no case at all count against precision only in the overall score.
    """
    out = {}
    for obf in sorted({c.obfuscation for c in cases}):
        mine = [c for c in cases if c.obfuscation == obf]
        index = _by_doc(mine)
        dets = [d for d in detections if any(detects(c, d) for c in index[d.this_reference])]
        out[obf] = score(mine, dets)
    return out
