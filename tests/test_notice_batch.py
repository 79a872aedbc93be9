"""Scoring the sentences of many documents in one batch must give each document's findings bit for bit.

``NoticeEngine.match_texts`` runs the rule pass of every document, scores all their sentences in one numpy
batch, then finishes each document; ``match_text`` does the same for one document. The findings, with the
scorer's unrounded probabilities, must be those of one document at a time, whatever the batch holds (its
other documents, repeated sentences, documents with nothing to score, position contexts).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from compliance.detect.features import keys_many
from compliance.detect.notices import NoticeEngine
from compliance.readers.plain import build_plain_document
from compliance.ruleset.loader import load_ruleset

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def engine() -> NoticeEngine:
    return NoticeEngine(load_ruleset(), model=True)


def _lines(name: str) -> list[str]:
    with (ROOT / "fixtures/notices" / name).open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


def _texts() -> list[str]:
    """Pages of real notice lines and their negatives, single lines, repeats, and texts with nothing to score."""
    lines = _lines("real/dev.jsonl") + _lines("blind.jsonl") + _lines("blind-negatives.jsonl")
    pages = ["\n".join(lines[i:i + 9]) for i in range(0, len(lines), 9)]
    return [*pages[:60], *lines[:80], "", "plain words, no notice", lines[0], pages[0], lines[3] + "\n" + lines[0]]


def _rows(matches) -> list[tuple]:
    return [(m.rule.rule.id, m.start, m.end, None if m.score is None else float(m.score).hex(), m.cues)
            for m in matches]


def test_a_batch_gives_each_document_its_own_findings(engine):
    texts = _texts()
    single = [_rows(engine.match_text(t)) for t in texts]
    engine._scored.clear()  # nothing from the memo: the batch scores every sentence itself
    assert [_rows(found) for found in engine.match_texts(texts)] == single
    assert [_rows(found) for found in engine.match_texts(texts[::-1])] == single[::-1]
    assert sum(1 for rows in single for row in rows if row[3] is not None) > 50  # scored findings compared


def test_a_batch_takes_each_documents_position_context(engine):
    docs = [build_plain_document(t, "<t>") for t in _texts()[:40]]
    contexts = [lambda start, end, n=n: [f"scope:{'caption' if n % 2 else 'footer'}"] for n in range(len(docs))]
    single = [_rows(engine.match_text(d.plain, context=c)) for d, c in zip(docs, contexts, strict=True)]
    engine._scored.clear()
    assert [_rows(f) for f in engine.match_texts([d.plain for d in docs], contexts)] == single


def test_probabilities_do_not_depend_on_the_rest_of_the_batch(engine):
    """Bit for bit, not merely close: findings carry the unrounded score."""
    texts = _lines("real/dev.jsonl")[:300]
    named = [[f"len:{len(t) // 40 % 9}", "slot:RIGHT"] for t in texts]
    scorer = engine.scorer()
    keys, owners = keys_many(texts, named)
    together = scorer.probabilities_many(keys, owners, len(texts))
    for i in range(0, len(texts), 7):
        alone = scorer.probabilities_many(*keys_many([texts[i]], [named[i]]), 1)[0]
        assert alone.tobytes() == together[i].tobytes()
    assert np.isfinite(together).all()


def test_scan_many_gives_each_document_its_scan(engine):
    """Whole documents with blocks (an HTML page's captions and footer feed the scorer's position features),
    and plain ones, batched: the notices of ``scan`` one document at a time, field for field."""
    from compliance.readers import read_text

    lines = _lines("real/dev.jsonl")
    pages = []
    for i in range(0, 120, 6):
        body = "".join(f"<p>{line}</p>" for line in lines[i:i + 4])
        pages.append(read_text(f"<html><body><article>{body}<figure><figcaption>{lines[i + 4]}</figcaption>"
                               f"</figure></article><footer>{lines[i + 5]}</footer></body></html>", f"p{i}.html"))
    docs = [*pages, *(build_plain_document(t, f"t{n}.txt") for n, t in enumerate(_texts()[:30]))]
    assert any(doc.blocks for doc in docs)
    single = [[n.to_dict() for n in engine.scan(doc)] for doc in docs]
    engine._scored.clear()
    assert [[n.to_dict() for n in found] for found in engine.scan_many(docs)] == single
    assert sum(map(len, single)) > 20
