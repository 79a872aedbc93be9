"""Recall of the shipped notice rules on real notices, per kind and per language, plus false positives.

Reads ``../shared/data/notices/notices.jsonl`` (real notices, one labelled kind each) and
``negatives.jsonl`` (real sentences that mention rights vocabulary but are not notices). Each item is
scanned as a plain-text document; an item counts as found when any finding has its labelled kind.
The data is never copied into the repository, so this reads it where it lies.

    python bench/notice_accuracy.py            # markdown tables for the README
    python bench/notice_accuracy.py --misses   # also list the items that were missed / fired
    python bench/notice_accuracy.py --set blind     # the project's own sets in fixtures/notices (same format):
    python bench/notice_accuracy.py --set heldout   # written blind by a helper that never saw the rules
    python bench/notice_accuracy.py --set real-test # mined real lines, test split (sites never trained on)
    python bench/notice_accuracy.py --set real-dev --no-model   # rules and frames only
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "notices"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "notices"
SETS = {"blind": ("blind.jsonl", "blind-negatives.jsonl"), "heldout": ("heldout.jsonl", "heldout-negatives.jsonl")}
REAL = FIXTURES / "real"  # mined real lines, one file per split, positives and negatives together
REAL_SETS = {"real-train": "train.jsonl", "real-dev": "dev.jsonl", "real-test": "test.jsonl"}


@dataclass
class Accuracy:
    found: Counter = field(default_factory=Counter)  # (axis, key) -> items whose kind was found
    total: Counter = field(default_factory=Counter)
    anything: int = 0  # notices with any finding at all
    negatives_by_lang: Counter = field(default_factory=Counter)
    negative_hits_by_lang: Counter = field(default_factory=Counter)
    misses: list[dict] = field(default_factory=list)
    negatives: int = 0
    negative_hits: list[tuple[dict, list]] = field(default_factory=list)

    @property
    def items(self) -> int:
        return sum(v for (axis, _), v in self.total.items() if axis == "kind")

    @property
    def hits(self) -> int:
        return sum(v for (axis, _), v in self.found.items() if axis == "kind")

    @property
    def recall(self) -> float:
        return self.hits / self.items if self.items else 0.0

    def table(self, axis: str) -> str:
        keys = sorted(k for a, k in self.total if a == axis)
        rows = [f"| {axis} | items | found | recall |", "|---|---:|---:|---:|"]
        for k in keys:
            t, f = self.total[(axis, k)], self.found[(axis, k)]
            rows.append(f"| {k} | {t} | {f} | {f / t:.1%} |")
        rows.append(f"| **all** | {self.items} | {self.hits} | {self.recall:.1%} |")
        return "\n".join(rows)


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def evaluate(data_dir: Path = DATA, notices: str = "notices.jsonl", negatives: str = "negatives.jsonl",
             model: bool = True, cues: bool = True) -> Accuracy:
    items = read_jsonl(data_dir / notices)
    return score_items(items, read_jsonl(data_dir / negatives), model, cues)


def evaluate_real(split: str, model: bool = True, cues: bool = True) -> Accuracy:
    """A split of the mined real lines (``fixtures/notices/real``): label ``negative`` or a kind."""
    rows = read_jsonl(REAL / split)
    positives = [{**r, "kind": r["label"]} for r in rows if r["label"] != "negative"]
    return score_items(positives, [r for r in rows if r["label"] == "negative"], model, cues)


def score_items(items: list[dict], negative_items: list[dict], model: bool = True, cues: bool = True) -> Accuracy:
    """Scan each item as a plain-text document: a notice counts as found when a finding has its kind.
    ``cues=False``: the rule packs alone (no cue frames, no scorer)."""
    from compliance.detect.notices import NoticeEngine
    from compliance.readers.plain import build_plain_document
    from compliance.ruleset import load_ruleset

    engine = NoticeEngine(load_ruleset(), model=model and cues, cues=cues)
    acc = Accuracy()
    for item in items:
        kinds = {n.kind for n in engine.scan(build_plain_document(item["text"], "<item>"))}
        ok = item["kind"] in kinds
        acc.anything += bool(kinds)
        for axis in ("kind", "lang"):
            acc.total[(axis, item[axis])] += 1
            acc.found[(axis, item[axis])] += ok
        if not ok:
            acc.misses.append({**item, "got": sorted(kinds)})
    acc.negatives = len(negative_items)
    for item in negative_items:
        found = engine.scan(build_plain_document(item["text"], "<negative>"))
        acc.negatives_by_lang[item.get("lang", "?")] += 1
        if found:
            acc.negative_hits.append((item, found))
            acc.negative_hits_by_lang[item.get("lang", "?")] += 1
    return acc


def report(acc: Accuracy) -> str:
    rate = len(acc.negative_hits) / acc.negatives if acc.negatives else 0.0
    any_rate = acc.anything / acc.items if acc.items else 0.0
    return "\n\n".join([
        f"Labelled kind found for {acc.hits} of {acc.items} notices ({acc.recall:.1%}); "
        f"any finding for {acc.anything} ({any_rate:.1%}).",
        acc.table("kind"),
        acc.table("lang"),
        f"Negatives: {len(acc.negative_hits)} of {acc.negatives} non-notice sentences produced a finding "
        f"({rate:.1%}).",
        negatives_table(acc),
    ])


def negatives_table(acc: Accuracy) -> str:
    rows = ["| lang | negatives | with a finding |", "|---|---:|---:|"]
    for lang in sorted(acc.negatives_by_lang):
        rows.append(f"| {lang} | {acc.negatives_by_lang[lang]} | {acc.negative_hits_by_lang[lang]} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="directory with notices.jsonl, negatives.jsonl")
    parser.add_argument("--set", choices=sorted([*SETS, *REAL_SETS]),
                        help="a set of fixtures/notices instead of the real data")
    parser.add_argument("--no-model", action="store_true", help="rules and frames only, no trained scorer")
    parser.add_argument("--rules-only", action="store_true", help="the rule packs alone: no cue frames, no scorer")
    parser.add_argument("--misses", action="store_true", help="list missed items and firing negatives")
    args = parser.parse_args()
    model, cues = not args.no_model, not args.rules_only
    if args.set in REAL_SETS:
        acc = evaluate_real(REAL_SETS[args.set], model, cues)
    elif args.set:
        acc = evaluate(FIXTURES, *SETS[args.set], model=model, cues=cues)
    else:
        acc = evaluate(args.data, model=model, cues=cues)
    print(report(acc))
    if args.misses:
        print("\n## Missed")
        for m in acc.misses:
            print(f"- [{m['lang']} {m['kind']}] got {m['got']}: {m['text'][:160]!r}")
        print("\n## Negatives with findings")
        for item, found in acc.negative_hits:
            print(f"- {item['text'][:120]!r}: " + "; ".join(f"{n.kind} {n.rule} {n.text!r}" for n in found))


if __name__ == "__main__":
    main()
