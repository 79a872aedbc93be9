"""PAN-2011-style evaluation of reuse detection on ``../shared/data/pan-id`` (Indonesian, 93 cases).

The 30 source documents are indexed with ``CorpusIndex`` (as ``compliance corpus add`` does), every
suspicious document is checked with ``find_matches`` (as ``compliance check`` does), and each match
becomes a detection (draft span, source document, source span). Precision, recall, granularity and
PlagDet (Potthast et al. 2010; ``bench/pan_measures.py``) are printed overall and per obfuscation.

One annotation in the data set is written ``<featue ...>`` (suspicious-document00028.xml, a
pos-preserving case); like the official PAN script we read only ``<feature>`` elements, so the
corpus has 93 cases and a correct detection of that passage counts against precision. The score
with it repaired is printed too.

    python bench/pan.py [--docs N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pan_measures import Annotation, Scores, read_annotations, score, score_by_type  # noqa: E402

DATA = ROOT / ".." / "shared" / "data" / "pan-id"


def malformed_cases(xml_dir: Path) -> list[Annotation]:
    """Annotations whose element name is misspelt (not read by the official script)."""
    out = []
    for xml in sorted(xml_dir.glob("*.xml")):
        for m in re.finditer(r"<featue ([^>]*)/>", xml.read_text(encoding="utf-8")):
            a = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            out.append(Annotation(xml.with_suffix(".txt").name, int(a["this_offset"]), int(a["this_length"]),
                                  a["source_reference"], int(a["source_offset"]), int(a["source_length"]),
                                  a.get("obfuscation", a.get("type", ""))))
    return out


def detect(docs: int | None = None, retrieval_only: bool = False) -> tuple[list[Annotation], list[str], dict]:
    """Detections for the first ``docs`` suspicious documents (all by default).

    With 30 sources the index is smaller than the candidate budget, so ``find_matches`` aligns every
    source; ``retrieval_only`` aligns only sources that share a fingerprint with the draft."""
    from compliance.pipeline import load_engine
    from compliance.readers import read_path
    from compliance.reuse import CorpusIndex, SearchParams, find_matches

    params = SearchParams(exhaustive_below=0) if retrieval_only else SearchParams()
    engine = load_engine(None)
    suspicious = sorted((DATA / "suspicious-documents").glob("*.txt"))[:docs]
    detections: list[Annotation] = []
    timing = {}
    with tempfile.TemporaryDirectory() as tmp:
        index = CorpusIndex(Path(tmp) / "pan.sqlite", create=True)
        t0 = time.perf_counter()
        index.add_paths([str(DATA / "source-documents")], engine)
        timing["index_seconds"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for path in suspicious:
            doc = read_path(str(path))[0]
            for m in find_matches(doc, index, engine.scan(doc), params):
                detections.append(Annotation(path.name, m.draft_start, m.draft_end - m.draft_start,
                                             Path(m.source.path).name, m.source_start,
                                             m.source_end - m.source_start))
        timing["check_seconds"] = time.perf_counter() - t0
        index.close()
    return detections, [p.name for p in suspicious], timing


def line(name: str, s: Scores) -> str:
    return (f"{name:<20} {s.cases:>5} {s.detections:>5} {s.precision:>9.3f} {s.recall:>7.3f} "
            f"{s.granularity:>6.3f} {s.plagdet:>8.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, help="only the first N suspicious documents")
    ap.add_argument("--json", help="also write the figures as JSON to this file")
    ap.add_argument("--retrieval-only", action="store_true",
                    help="align only sources sharing a fingerprint with the draft (as in a large corpus)")
    args = ap.parse_args()
    xml_dir = DATA / "suspicious-documents"
    detections, names, timing = detect(args.docs, args.retrieval_only)
    wanted = set(names)
    cases = [c for xml in sorted(xml_dir.glob("*.xml")) for c in read_annotations(xml) if c.this_reference in wanted]
    overall = score(cases, detections)
    per_type = score_by_type(cases, detections)
    repaired = score(cases + [c for c in malformed_cases(xml_dir) if c.this_reference in wanted], detections)
    mode = "sources sharing a fingerprint" if args.retrieval_only else "every source (corpus < candidate budget)"
    print(f"{len(names)} suspicious documents, {len(cases)} cases; aligned with {mode}; "
          f"index {timing['index_seconds']:.1f} s, check {timing['check_seconds']:.1f} s")
    print(f"{'obfuscation':<20} {'cases':>5} {'dets':>5} {'precision':>9} {'recall':>7} {'gran':>6} {'plagdet':>8}")
    for name, s in per_type.items():
        print(line(name, s))
    print(line("overall", overall))
    print(line("overall (+<featue>)", repaired))
    if args.json:
        out = {"overall": _as_dict(overall),
               "per_type": {k: _as_dict(v) for k, v in per_type.items()}, "repaired": _as_dict(repaired),
               **timing}
        Path(args.json).write_text(json.dumps(out, indent=2))


def _as_dict(s: Scores) -> dict:
    return {k: getattr(s, k) for k in ("cases", "detections", "precision", "recall", "granularity", "plagdet")}


if __name__ == "__main__":
    main()
