"""Merge newly mined notice lines (``fixtures/notices/real/raw/*.jsonl``) into the split files, by site.

Every line of one site (a registrable domain, or a GitHub repository) goes to the same split, so the
test split measures notices of publishers the rules and the scorer never saw. The split is a hash of
the site name: 70 % train, 15 % dev, 15 % test, the same on every machine and for every re-run; a
line mined later from a known site joins that site's split.

    python train/split.py            # (re)writes fixtures/notices/real/{train,dev,test}.jsonl, prints counts

The split files are the corpus; ``raw/`` is where a mining round drops its files (it may be empty or
missing). Re-running is idempotent: existing lines keep their split, duplicates are dropped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "fixtures" / "notices" / "real"
KINDS = {"reproduction-ban", "copyright", "all-rights-reserved", "license", "tdm-reservation", "agency-credit",
         "attribution", "disclaimer"}
LABELS = KINDS | {"negative"}
FIELDS = ("text", "label", "lang", "url", "site")


def split_of(site: str) -> str:
    bucket = int(hashlib.sha256(site.strip().lower().encode()).hexdigest(), 16) % 100
    return "train" if bucket < 70 else "dev" if bucket < 85 else "test"


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def read_raw(paths: list[Path]) -> tuple[list[dict], list[str]]:
    """Valid, de-duplicated records, and one problem line per record refused."""
    rows, problems, seen = [], [], set()
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                problems.append(f"{path.name}:{n}: not JSON ({err.msg})")
                continue
            missing = [f for f in FIELDS if not str(row.get(f) or "").strip()]
            if missing or row["label"] not in LABELS:
                problems.append(f"{path.name}:{n}: missing {missing} or bad label {row.get('label')!r}")
                continue
            key = _key(row["text"])
            if key in seen:
                continue
            seen.add(key)
            rows.append({k: row[k] for k in (*FIELDS, "context", "note") if k in row})
    return rows, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=REAL / "raw")
    parser.add_argument("--out", type=Path, default=REAL)
    args = parser.parse_args()
    sources = [args.out / f"{name}.jsonl" for name in ("train", "dev", "test") if (args.out / f"{name}.jsonl").exists()]
    rows, problems = read_raw(sources + (sorted(args.raw.glob("*.jsonl")) if args.raw.is_dir() else []))
    for p in problems:
        print(p, file=sys.stderr)
    parts: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    for row in rows:
        parts[split_of(row["site"])].append(row)
    for name, part in parts.items():
        part.sort(key=lambda r: (r["lang"], r["label"], r["site"], r["text"]))
        with (args.out / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for row in part:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        labels = Counter("negative" if r["label"] == "negative" else "notice" for r in part)
        print(f"{name}: {len(part)} lines ({labels['notice']} notices, {labels['negative']} negatives), "
              f"{len({r['site'] for r in part})} sites, {len({r['lang'] for r in part})} languages")
    print(f"all: {len(rows)} lines, {len({r['site'] for r in rows})} sites; refused {len(problems)}")


if __name__ == "__main__":
    main()
