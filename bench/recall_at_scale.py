"""Copied passages found by ``compliance check`` in a large index: the false green a gate must not give.

Builds drafts (seeded) of ten paragraphs each: two sentences of the bench's own filler and a 40-80-word passage
copied from an article near each tenth of the index (half of them lightly edited: one word dropped, one
replaced), runs ``compliance check --format json`` on each and scores the report:

- *flagged*: matches cover at least half of the passage (the gate goes red there);
- *found*: a match covering at least half of it names the article the passage came from (or lists it in
  ``also``).

The index is only read (``file:...?mode=ro``). At 1M synthetic articles most sentences are held by hundreds of
articles (the synthetic corpus shuffles sentences of one pool), so "found" is bounded by ties there.

    python bench/recall_at_scale.py --index /work/bench-cache/reuse/synthetic-1000000.sqlite --drafts 5 --seed 101
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

FILLER = [
    "The city council met on Tuesday evening to discuss the budget for the coming year, and the debate ran late "
    "into the night as members argued over the cost of repairing the old harbour bridge.",
    "Residents who spoke at the meeting said they had waited almost a decade for the promised repairs, and several "
    "brought photographs of cracked railings and rusted supports.",
    "A spokesperson for the mayor later told reporters that the office would publish a revised plan before the end "
    "of the month.",
    "Meanwhile the regional transport authority announced that two ferry routes would run on a reduced timetable "
    "while engineers inspect the piers.",
    "Local shop owners worry that fewer visitors will cross the river during the busy winter market season.",
    "Our newsroom asked three independent engineers to review the published inspection reports; all three said the "
    "findings were not unusual for a structure of that age.",
    "The council's finance committee will vote on the proposal next week, after a public consultation that closes "
    "on Friday.",
    "In a separate item the library board confirmed that the reading room on the second floor will reopen in spring "
    "after its roof is replaced.",
    "Volunteers from the neighbourhood association plan to collect signatures outside the town hall every Saturday "
    "until the vote.",
    "Weather forecasters expect heavy rain over the weekend, which could delay the first survey of the riverbed.",
    "The opposition group said the figures presented by the treasurer left out the cost of temporary traffic lights "
    "and diversions.",
    "Schools near the bridge will adjust their bus schedules starting on Monday, the education department said in a "
    "short statement.",
]


def pick_passage(text: str, rng: random.Random) -> str:
    """Whole sentences of 40-80 words from a paragraph of 50 words or more (else 60 words of one)."""
    paras = [p for p in text.split("\n\n") if len(p.split()) >= 50] or [text]
    para = rng.choice(paras)
    sents = re.split(r"(?<=[.!?])\s+", para)
    for i in range(len(sents)):
        for j in range(i + 1, len(sents) + 1):
            if 40 <= len(" ".join(sents[i:j]).split()) <= 80:
                return " ".join(sents[i:j])
    words = para.split()
    start = rng.randrange(0, max(1, len(words) - 60))
    return " ".join(words[start:start + 60])


def light_edit(passage: str, rng: random.Random) -> str:
    words = passage.split()
    if len(words) < 12:
        return passage
    del words[rng.randrange(5, len(words) - 5)]
    k = rng.randrange(5, len(words) - 5)
    words[k] = "really" if words[k] != "really" else "truly"
    return " ".join(words)


def build_draft(db: sqlite3.Connection, rng: random.Random) -> tuple[str, list[dict]]:
    """A draft and, per planted passage, its source id and code-point span in the draft."""
    top = db.execute("SELECT max(doc) FROM documents").fetchone()[0]
    body, truth = "# Bridge repairs\n\n", []
    for k in range(10):
        doc = max(1, min(top, k * top // 10 + rng.randrange(-(top // 50) - 1, top // 50 + 1)))
        row = db.execute("SELECT t.text, d.id FROM texts t JOIN documents d ON d.doc = t.doc WHERE t.doc = ?",
                         (doc,)).fetchone()
        if row is None:
            continue
        passage = pick_passage(zlib.decompress(row[0]).decode("utf-8"), rng)
        draft = light_edit(passage, rng) if rng.random() < 0.5 else passage
        body += " ".join(FILLER[(k + i) % len(FILLER)] for i in range(2)) + " "
        truth.append({"id": row[1], "start": len(body), "end": len(body) + len(draft), "edited": draft != passage})
        body += draft + "\n\n"
    return body, truth


def matches_of(report: dict) -> list[dict]:
    return [m for f in report["files"] for m in f["matches"]]


def score(report: dict, truth: list[dict]) -> tuple[int, int]:
    """(flagged, found) planted passages of one draft."""
    ms = matches_of(report)
    flagged = found = 0
    for t in truth:
        covered: set[int] = set()
        right = False
        for m in ms:
            lo, hi = max(m["draft_offset"][0], t["start"]), min(m["draft_offset"][1], t["end"])
            if hi > lo:
                covered |= set(range(lo, hi))
                ids = {m["source"]["id"], *(a["id"] for a in m.get("also", []))}
                right |= t["id"] in ids and (hi - lo) >= (t["end"] - t["start"]) / 2
        flagged += len(covered) >= (t["end"] - t["start"]) / 2
        found += right
    return flagged, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--drafts", type=int, default=5)
    parser.add_argument("--seed", type=int, default=101)
    args = parser.parse_args()
    db = sqlite3.connect(f"file:{args.index}?mode=ro", uri=True)
    rng = random.Random(args.seed)
    total = flagged = found = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.drafts):
            text, truth = build_draft(db, rng)
            draft = Path(tmp) / f"draft-{n}.md"
            draft.write_text(text, encoding="utf-8")
            run = subprocess.run([sys.executable, "-m", "compliance", "check", str(draft), "--index", str(args.index),
                                  "--format", "json", "--fail-on", "never", "-q"], capture_output=True, text=True)
            if run.returncode != 0:
                sys.exit(f"check failed on draft {n}: {run.stderr.strip()}")
            f, g = score(json.loads(run.stdout), truth)
            print(f"draft {n}: {len(truth)} passages, flagged {f}, found {g}")
            total, flagged, found = total + len(truth), flagged + f, found + g
    print(f"flagged {flagged}/{total} (>= half a passage in matches); found {found}/{total} (the right source)")


if __name__ == "__main__":
    main()
