"""Cross-language reuse (issue 16): German translations of English news against an English index.

Data (read from ``../shared/data``, never copied): the WMT newstest2021 and generaltest2022 English->German
test sets (English originals, German human references and machine translations, line-aligned; runs of 25
lines are one document, three lines a paragraph) and 998 German Wikinews articles with no English source.

- **Index**: the English originals, English distractors (the English references of the German->English
  sets: other news of the same weeks) and, with ``--prose N``, N English Debian-documentation articles
  (``bench/prose.py``).
- **Documents**: every human reference and every machine translation of every document is a draft;
  recall = drafts whose source is found, precision = found (draft, source) pairs that are right.
  ``reverse``: the German originals of the German->English sets against their English translations (the
  distractors above), a direction the thresholds were not tuned on.
- **Negatives**: the Wikinews articles as drafts; the share with no translation match.
- **Passages**: the first ``--passages`` Wikinews articles, each with 1-8 consecutive human-translated
  lines of a random document inserted at a paragraph boundary: character recall, and the span IoU of
  the best match on both sides, for passages of >= 60 words and shorter ones separately.
- **Speed** (``--speed``): ``compliance check`` (the command, in a child process) of a 2,000-word German
  draft against a 10,000-document English index (the news above plus Debian prose, topped up with
  synthetic-from-real articles if the pool is short), median of ``--runs`` warm runs.

    python bench/xling.py [--prose 2000] [--passages 300] [--speed] [--runs 5]

Needs the dictionary (``apt-get install trans-de-en``); without it every figure is anchors-only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
DATA = ROOT / ".." / "shared" / "data"
WMT = DATA / "xling-wmt"
WIKINEWS = DATA / "wikinews-de.jsonl"
DOC_LINES = 25
PARA_LINES = 3
SEED = 16
SETS = {
    "newstest2021": {"human": ["ref.A", "ref.C", "ref.D"], "mt": ["hyp.Online-A", "hyp.Online-B", "hyp.Online-W"]},
    "generaltest2022": {"human": ["ref.A", "ref.B"], "mt": ["hyp.Online-B", "hyp.Online-W"]},
}


def lines(name: str) -> list[str]:
    return (WMT / name).read_text(encoding="utf-8").split("\n")[:-1]


def layout(rows: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Lines as paragraphs of three; the text and each line's span in it."""
    text, spans = "", []
    for k, row in enumerate(rows):
        if k:
            text += "\n\n" if k % PARA_LINES == 0 else " "
        spans.append((len(text), len(text) + len(row)))
        text += row
    return text, spans


def chunks(n: int) -> list[tuple[int, int]]:
    return [(s, min(n, s + DOC_LINES)) for s in range(0, n, DOC_LINES) if min(n, s + DOC_LINES) - s >= 10]


def build_sets() -> tuple[list[dict], list[dict], list[str]]:
    """(English sources, German drafts, English distractors)."""
    sources, drafts, distractors = [], [], []
    for name, kinds in SETS.items():
        en = lines(f"{name}.en-de.src.en")
        for a, b in chunks(len(en)):
            sid = f"{name}-{a:04d}"
            text, spans = layout(en[a:b])
            sources.append({"id": sid, "text": text, "spans": spans})
            for kind, systems in kinds.items():
                for system in systems:
                    de = lines(f"{name}.en-de.{system}.de")
                    dtext, dspans = layout(de[a:b])
                    drafts.append({"source": sid, "kind": kind, "system": system, "text": dtext, "spans": dspans})
        other, originals = lines(f"{name}.de-en.ref.A.en"), lines(f"{name}.de-en.src.de")
        for a, b in chunks(len(other)):  # German originals translated into English: the other direction
            drafts.append({"source": f"{len(distractors):05d}", "kind": "reverse", "system": "src",
                           "text": layout(originals[a:b])[0], "spans": []})
            distractors.append(layout(other[a:b])[0])
    return sources, drafts, distractors


def doc(text: str, path: str):
    from compliance.readers import read_text

    return read_text(text, path)


def make_index(path: Path, sources: list[dict], extra: list[str]):
    from compliance.pipeline import load_engine
    from compliance.reuse.index import CorpusIndex

    engine = load_engine(None)
    index = CorpusIndex(path, create=True)
    docs = [doc(s["text"], f"/bench/en/{s['id']}.md") for s in sources]
    docs += [doc(t, f"/bench/other/{k:05d}.md") for k, t in enumerate(extra)]
    t0 = time.perf_counter()
    index.add_documents(docs, engine)  # also stores what cross-language search needs
    return index, engine, time.perf_counter() - t0


def translations(draft_doc, index, engine, xling) -> list:
    from compliance.reuse.xling.search import find_translations

    return find_translations(draft_doc, index, xling, engine.scan(draft_doc))


def documents(drafts: list[dict], index, engine, xling) -> dict:
    out = {}
    pairs_right = pairs_all = 0
    for kind in ("human", "mt", "reverse"):
        subset = [d for d in drafts if d["kind"] == kind]
        found = 0
        for d in subset:
            ms = translations(doc(d["text"], "draft.md"), index, engine, xling)
            got = {Path(m.source.path).stem for m in ms}
            found += d["source"] in got
            pairs_right += d["source"] in got
            pairs_all += len(got)
        out[kind] = {"drafts": len(subset), "recall": round(found / len(subset), 4)}
    out["precision"] = round(pairs_right / max(1, pairs_all), 4)
    return out


def negatives(articles: list[str], index, engine, xling) -> dict:
    hit = 0
    for k, text in enumerate(articles):
        hit += bool(translations(doc(text, f"neg{k}.md"), index, engine, xling))
    return {"drafts": len(articles), "no_detection": round(1 - hit / max(1, len(articles)), 4)}


def passages(articles: list[str], sources: list[dict], drafts: list[dict], n: int, index, engine, xling) -> dict:
    """Passages of 1-8 human-translated lines inserted into German articles."""
    rng = random.Random(SEED)
    human = [d for d in drafts if d["kind"] == "human" and d["system"] == "ref.A"]
    by_id = {s["id"]: s for s in sources}
    rows = {"long": [], "short": []}
    for k, article in enumerate(articles[:n]):
        d = rng.choice(human)
        src = by_id[d["source"]]
        size = rng.randint(1, 8)
        a = rng.randrange(0, len(d["spans"]) - size + 1)
        passage = " ".join(d["text"][s:e] for s, e in d["spans"][a:a + size])
        paras = article.split("\n\n")
        cut = rng.randint(0, len(paras))
        before = "\n\n".join(paras[:cut])
        start = len(before) + (2 if before else 0)
        text = "\n\n".join([*paras[:cut], passage, *paras[cut:]])
        truth = (start, start + len(passage))
        struth = (src["spans"][a][0], src["spans"][a + size - 1][1])
        ms = [m for m in translations(doc(text, f"p{k}.md"), index, engine, xling)
              if Path(m.source.path).stem == d["source"]]
        covered = sum(max(0, min(truth[1], m.draft_end) - max(truth[0], m.draft_start)) for m in ms)
        best = max(ms, key=lambda m: _overlap((m.draft_start, m.draft_end), truth), default=None)
        row = {"recall": covered / (truth[1] - truth[0]),
               "iou_draft": _iou((best.draft_start, best.draft_end), truth) if best else 0.0,
               "iou_source": _iou((best.source_start, best.source_end), struth) if best else 0.0}
        rows["long" if len(passage.split()) >= 60 else "short"].append(row)
    out = {}
    for key, rs in rows.items():
        found = [r for r in rs if r["recall"] > 0]
        out[key] = {"passages": len(rs), "char_recall": _mean(r["recall"] for r in rs),
                    "found": round(len(found) / max(1, len(rs)), 4)}
        for side in ("iou_draft", "iou_source"):  # over the passages found
            out[key][side] = _mean(r[side] for r in found)
            out[key][f"{side}_share_at_least_0.8"] = round(sum(r[side] >= 0.8 for r in found) / max(1, len(found)), 4)
    return out


def _overlap(a, b) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _iou(a, b) -> float:
    inter = _overlap(a, b)
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def _mean(values) -> float:
    values = list(values)
    return round(statistics.fmean(values), 4) if values else 0.0


def english_prose(n: int) -> list[str]:
    if n <= 0:
        return []
    from prose import load_prose

    return [d["text"] for d in load_prose() if d["lang"] == "en"][:n]


def speed(sources: list[dict], drafts: list[dict], distractors: list[str], runs: int, size: int = 10_000) -> dict:
    """``compliance check`` of a 2,000-word German draft against a ``size``-document English index."""
    pool = [s["text"] for s in sources] + distractors + english_prose(size)
    if len(pool) < size:  # top up with synthetic-from-real articles (real English sentences reshuffled)
        rng = random.Random(SEED)
        sentences = [p for t in pool for p in t.replace("\n\n", " ").split(". ") if len(p) > 40]
        while len(pool) < size:
            pool.append(". ".join(rng.sample(sentences, 25)) + ".")
    pool = pool[:size]
    words, parts = 0, []  # paragraphs of human translations until the draft has 2,000 words
    for d in drafts:
        for para in d["text"].split("\n\n") if d["kind"] == "human" and d["system"] == "ref.A" else ():
            if words < 2000:
                parts.append(para)
                words += len(para.split())
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        for k, text in enumerate(pool):
            sub = corpus / f"{k // 1000:03d}"
            sub.mkdir(parents=True, exist_ok=True)
            (sub / f"{k:05d}.md").write_text(text, encoding="utf-8")
        index = Path(tmp) / "index.sqlite"
        draft = Path(tmp) / "draft.md"
        draft.write_text("\n\n".join(parts), encoding="utf-8")
        t0 = time.perf_counter()
        subprocess.run(["compliance", "corpus", "add", str(corpus), "--index", str(index), "-q", "-j", "2"],
                       check=True)
        add = time.perf_counter() - t0
        cmd = ["compliance", "check", str(draft), "--index", str(index), "--format", "json"]
        times, found = [], 0
        for k in range(runs + 1):
            t0 = time.perf_counter()
            out = subprocess.run(cmd, capture_output=True, text=True)
            if k:
                times.append(time.perf_counter() - t0)
            report = json.loads(out.stdout)
            found = sum(m.get("kind") == "translation" for f in report["files"] for m in f["matches"])
        inside = _in_process(index, draft, runs)
    return {"index_documents": len(pool), "draft_words": words, "corpus_add_seconds": round(add, 1),
            "check_seconds_median": round(statistics.median(times), 3), "check_seconds": [round(t, 3) for t in times],
            "translation_matches": found, "cross_language_seconds_median": inside, "load": os.getloadavg()[0]}


def _in_process(index_path: Path, draft: Path, runs: int) -> float:
    """The cross-language search alone (warm: dictionary cache, index pages), median seconds."""
    from compliance.pipeline import load_engine
    from compliance.readers import read_path
    from compliance.reuse.index import CorpusIndex
    from compliance.reuse.xling import load_xling
    from compliance.reuse.xling.search import find_translations

    engine = load_engine(None)
    xling = load_xling(engine.rules.ruleset)
    doc = read_path(str(draft))[0]
    notices = engine.scan(doc)
    times = []
    with CorpusIndex(index_path) as index:
        for k in range(runs + 1):
            t0 = time.perf_counter()
            find_translations(doc, index, xling, notices)
            if k:
                times.append(time.perf_counter() - t0)
    return round(statistics.median(times), 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--prose", type=int, default=0, help="English Debian-prose distractors in the index")
    ap.add_argument("--passages", type=int, default=300)
    ap.add_argument("--negatives", type=int, default=998)
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--no-quality", action="store_true", help="only the speed run")
    ap.add_argument("--anchors-only", action="store_true", help="as without a dictionary: names, numbers, same words")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    sources, drafts, distractors = build_sets()
    articles = [json.loads(line)["text"] for line in WIKINEWS.read_text(encoding="utf-8").splitlines()]
    result: dict = {"command": "python bench/xling.py " + " ".join(sys.argv[1:])}
    if not args.no_quality:
        result.update(quality(args, sources, drafts, distractors, articles))
    if args.speed:
        result["speed"] = speed(sources, drafts, distractors, args.runs)
    print(json.dumps(result, indent=2))


def quality(args, sources: list[dict], drafts: list[dict], distractors: list[str], articles: list[str]) -> dict:
    from compliance.reuse.xling import load_xling

    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        index, engine, seconds = make_index(Path(tmp) / "x.sqlite", sources, distractors + english_prose(args.prose))
        xling = load_xling(engine.rules.ruleset)
        if args.anchors_only:
            xling.bridges = dict.fromkeys(xling.settings.pairs)  # no dictionary: what the warning promises
        result["index"] = {"sources": len(sources), "distractors": len(distractors) + args.prose,
                           "add_and_sync_seconds": round(seconds, 1)}
        t0 = time.perf_counter()
        result["documents"] = documents(drafts, index, engine, xling)
        result["negatives"] = negatives(articles[:args.negatives], index, engine, xling)
        result["passages"] = passages(articles, sources, drafts, args.passages, index, engine, xling)
        result["quality_seconds"] = round(time.perf_counter() - t0, 1)
        index.close()
    return result


if __name__ == "__main__":
    main()
