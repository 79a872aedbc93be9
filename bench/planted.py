"""Planted reuse in real German news: recall, precision and span overlap of ``find_matches``.

Data: ``../shared/data/wikinews-de.jsonl`` (998 German Wikinews articles, CC BY 2.5), read in
place. With a fixed seed:

1. *Hosts* (the unrelated text passages are planted into) are articles sharing no run of 6 words
   with any other article (brute force, independent of the detector: Wikinews has articles that
   copy sentences from earlier ones, and such a host would hold real reuse); the rest is the corpus
   and is indexed (``CorpusIndex.add_documents``, notices detected as in ``corpus add``).
2. Each case copies a passage of 25-150 words from a corpus article (starting at a sentence start
   or at a random word), applies 0-20 % word-level edits (deletions, substitutions with words of
   other articles, swaps of neighbours, punctuation changes, case changes) and inserts it at a
   sentence boundary of a host.
3. *Negative* drafts are hosts with nothing planted.

A detection is correct when it names the right source and overlaps the planted span on both sides.
Recall is per case; precision is over all detections (positive and negative drafts); span IoU is
the character intersection-over-union of the best correct detection with the planted span, on the
draft side and on the source side.

    python bench/planted.py [--cases 300] [--negatives 200] [--seed 7] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT / ".." / "shared" / "data" / "wikinews-de.jsonl"
LENGTHS = [(25, 39), (40, 59), (60, 89), (90, 150)]
EDIT_RATES = [0.0, 0.05, 0.10, 0.15, 0.20]
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9„\"])")
_WORD = re.compile(r"\S+")


@dataclass
class Case:
    draft: str
    draft_span: tuple[int, int]
    source: int  # article index
    source_span: tuple[int, int]
    words: int
    edit_rate: float


def load_articles() -> list[str]:
    with open(DATA, encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


RUN = 6  # words a host may share with another article


def word_runs(text: str, n: int = RUN) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return set(zip(*(words[k:] for k in range(n)), strict=False))


def pick_hosts(texts: list[str], count: int, rnd: random.Random) -> list[int]:
    """Articles of 80+ words sharing no run of ``RUN`` words with any other article."""
    runs = [word_runs(t) for t in texts]
    seen: dict[tuple[str, ...], int] = defaultdict(int)
    for r in runs:
        for g in r:
            seen[g] += 1
    clean = [i for i, t in enumerate(texts)
             if len(t.split()) >= 80 and all(seen[g] == 1 for g in runs[i])]
    rnd.shuffle(clean)
    return sorted(clean[:count])


def edit_words(words: list[str], rate: float, vocab: list[str], rnd: random.Random) -> list[str]:
    """Apply round(rate * len) word-level edits of mixed kinds."""
    words = list(words)
    for _ in range(round(rate * len(words))):
        if len(words) < 3:
            break
        k = rnd.randrange(len(words))
        op = rnd.choice(("delete", "substitute", "substitute", "swap", "punct", "case"))
        if op == "delete":
            del words[k]
        elif op == "substitute":
            words[k] = rnd.choice(vocab)
        elif op == "swap" and k + 1 < len(words):
            words[k], words[k + 1] = words[k + 1], words[k]
        elif op == "punct":
            w = words[k]
            words[k] = w[:-1] if w[-1:] in ",.;:" else w + ","
        else:
            w = words[k]
            words[k] = w[:1].swapcase() + w[1:]
    return words


def passage(text: str, length: int, rnd: random.Random) -> tuple[int, int, list[str]] | None:
    """A span of ``length`` whitespace words of ``text``, from a sentence start half the time."""
    spans = [m.span() for m in _WORD.finditer(text)]
    if len(spans) < length + 2:
        return None
    if rnd.random() < 0.5:
        starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
        firsts = sorted({next((k for k, (s, _) in enumerate(spans) if s >= c), len(spans)) for c in starts})
        firsts = [k for k in firsts if k + length <= len(spans)]
        first = rnd.choice(firsts) if firsts else rnd.randrange(len(spans) - length + 1)
    else:
        first = rnd.randrange(len(spans) - length + 1)
    start, end = spans[first][0], spans[first + length - 1][1]
    return start, end, text[start:end].split()


def plant(host: str, piece: str, rnd: random.Random) -> tuple[str, tuple[int, int]]:
    """Insert ``piece`` at a sentence boundary of ``host``."""
    cuts = [0] + [m.start() for m in _SENTENCE_END.finditer(host)] + [len(host)]
    cut = rnd.choice(cuts)
    before, after = host[:cut].rstrip(), host[cut:].lstrip()
    lead = before + (" " if before else "")
    draft = lead + piece + (" " + after if after else "")
    return draft, (len(lead), len(lead) + len(piece))


def make_cases(texts: list[str], hosts: list[int], n: int, rnd: random.Random) -> list[Case]:
    corpus = [i for i in range(len(texts)) if i not in set(hosts)]
    vocab = [w for i in hosts for w in texts[i].split() if w.isalpha()]
    cases: list[Case] = []
    while len(cases) < n:
        lo, hi = LENGTHS[len(cases) % len(LENGTHS)]
        rate = EDIT_RATES[(len(cases) // len(LENGTHS)) % len(EDIT_RATES)]
        length = rnd.randint(lo, hi)
        src = rnd.choice(corpus)
        picked = passage(texts[src], length, rnd)
        if picked is None:
            continue
        s0, s1, words = picked
        piece = " ".join(edit_words(words, rate, vocab, rnd))
        draft, span = plant(texts[rnd.choice(hosts)], piece, rnd)
        cases.append(Case(draft, span, src, (s0, s1), length, rate))
    return cases


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def run(args: argparse.Namespace) -> dict:
    from compliance.pipeline import load_engine
    from compliance.readers import read_text
    from compliance.reuse import CorpusIndex, find_matches

    rnd = random.Random(args.seed)
    texts = load_articles()
    hosts = pick_hosts(texts, args.hosts, rnd)
    cases = make_cases(texts, hosts, args.cases, rnd)
    negatives = [texts[i] for i in hosts[:args.negatives]]
    engine = load_engine(None)
    with tempfile.TemporaryDirectory() as tmp:
        index = CorpusIndex(Path(tmp) / "corpus.sqlite", create=True)
        host_set = set(hosts)
        t0 = time.perf_counter()
        index.add_documents((read_text(t, f"wikinews/{i:04d}.txt") for i, t in enumerate(texts)
                             if i not in host_set), engine)
        t_index = time.perf_counter() - t0
        ids = {r["path"]: r["id"] for r in index.list()}

        def check(text: str, name: str):
            doc = read_text(text, name)
            return find_matches(doc, index, engine.scan(doc))

        t0 = time.perf_counter()
        per_case = []
        detections = correct = 0
        for k, case in enumerate(cases):
            matches = check(case.draft, f"draft-{k}.txt")
            detections += len(matches)
            want = ids[f"wikinews/{case.source:04d}.txt"]
            good = [m for m in matches if m.source.id == want and iou((m.draft_start, m.draft_end), case.draft_span) > 0
                    and iou((m.source_start, m.source_end), case.source_span) > 0]
            correct += len(good)
            best = max(good, key=lambda m: iou((m.draft_start, m.draft_end), case.draft_span), default=None)
            per_case.append({
                "words": case.words, "edit_rate": case.edit_rate, "found": best is not None,
                "iou_draft": iou((best.draft_start, best.draft_end), case.draft_span) if best else 0.0,
                "iou_source": iou((best.source_start, best.source_end), case.source_span) if best else 0.0,
            })
        false_negative_drafts = 0
        for k, text in enumerate(negatives):
            found = check(text, f"negative-{k}.txt")
            detections += len(found)
            false_negative_drafts += bool(found)
        t_check = time.perf_counter() - t0
        index.close()
    return summarize(per_case, detections, correct, false_negative_drafts, len(negatives),
                     len(texts) - len(hosts), t_index, t_check, len(cases) + len(negatives))


def summarize(per_case: list[dict], detections: int, correct: int, noisy_negatives: int, negatives: int,
              corpus: int, t_index: float, t_check: float, drafts: int) -> dict:
    def stats(rows: list[dict]) -> dict:
        found = [r for r in rows if r["found"]]
        return {"cases": len(rows), "recall": len(found) / len(rows) if rows else 0.0,
                "iou_draft": sum(r["iou_draft"] for r in found) / len(found) if found else 0.0,
                "iou_source": sum(r["iou_source"] for r in found) / len(found) if found else 0.0}

    by_cell = {}
    for lo, hi in LENGTHS:
        for rate in EDIT_RATES:
            rows = [r for r in per_case if lo <= r["words"] <= hi and r["edit_rate"] == rate]
            by_cell[f"{lo}-{hi}|{rate:.2f}"] = stats(rows)
    target = [r for r in per_case if r["words"] >= 40 and r["edit_rate"] <= 0.15]
    return {
        "corpus_articles": corpus, "cases": len(per_case), "negative_drafts": negatives,
        "overall": stats(per_case), "target_cells": stats(target),
        "precision": correct / detections if detections else 1.0, "detections": detections,
        "negative_drafts_with_matches": noisy_negatives,
        "by_length": {f"{lo}-{hi}": stats([r for r in per_case if lo <= r["words"] <= hi]) for lo, hi in LENGTHS},
        "by_edit_rate": {f"{rate:.2f}": stats([r for r in per_case if r["edit_rate"] == rate])
                         for rate in EDIT_RATES},
        "by_cell": by_cell, "index_seconds": t_index, "check_ms_per_draft": 1000 * t_check / max(1, drafts),
    }


def report(res: dict) -> None:
    o, t = res["overall"], res["target_cells"]
    print(f"corpus {res['corpus_articles']} articles; {res['cases']} planted cases; "
          f"{res['negative_drafts']} drafts with nothing planted")
    print(f"recall (all) {o['recall']:.3f}   recall (>=40 words, <=15% edits) {t['recall']:.3f} "
          f"[target >= 0.97]")
    print(f"precision {res['precision']:.4f} ({res['detections']} detections; "
          f"{res['negative_drafts_with_matches']} negative drafts with any match) [target >= 0.99]")
    print(f"mean span IoU: draft {o['iou_draft']:.3f}  source {o['iou_source']:.3f} [target >= 0.9]")
    rates = [f"{r:.2f}" for r in EDIT_RATES]
    print("\nrecall by length (rows) and edit rate (columns); cases in brackets")
    print(f"{'words':>8} " + " ".join(f"{r:>11}" for r in rates) + f" {'all':>11}")
    for lo, hi in LENGTHS:
        cells = [res["by_cell"][f"{lo}-{hi}|{r}"] for r in rates]
        row = " ".join(f"{c['recall']:6.3f} ({c['cases']:>2})" for c in cells)
        allc = res["by_length"][f"{lo}-{hi}"]
        print(f"{lo:>3}-{hi:<4} {row} {allc['recall']:6.3f} ({allc['cases']:>2})")
    print("\nmean IoU (draft/source) by edit rate: " + "  ".join(
        f"{r}: {res['by_edit_rate'][r]['iou_draft']:.3f}/{res['by_edit_rate'][r]['iou_source']:.3f}" for r in rates))
    print(f"\nindexing {res['index_seconds']:.1f} s; check {res['check_ms_per_draft']:.1f} ms per draft")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--hosts", type=int, default=250)
    ap.add_argument("--negatives", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", help="also write the figures as JSON to this file")
    args = ap.parse_args()
    res = run(args)
    report(res)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
