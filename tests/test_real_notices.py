"""Accuracy on real notices: the labelled kind is found for >= 95 % of them, and real non-notices stay quiet.

The data lives in ../shared/data/notices (third-party text, never copied into the repository): 165
notices mined from real news pages, each with one labelled kind and language, and 35 real sentences
that mention copyright, licences or agencies without being notices. Each item is scanned as a
plain-text document. The per-kind and per-language table is printed (``pytest -s``) and is the one
``bench/notice_accuracy.py`` writes into the README.
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from bench.notice_accuracy import DATA, evaluate, report

pytestmark = pytest.mark.skipif(not (DATA / "notices.jsonl").exists(),
                                reason="real notice data not available (../shared/data/notices)")


@lru_cache(maxsize=1)
def accuracy():
    return evaluate(DATA)


def test_labelled_kind_found_for_95_percent():
    acc = accuracy()
    print("\n" + report(acc))
    assert acc.items == 165
    misses = [(m["lang"], m["kind"], m["text"][:80], m["got"]) for m in acc.misses]
    assert acc.recall >= 0.95, misses


@pytest.mark.parametrize("kind", ["reproduction-ban", "copyright", "all-rights-reserved", "license",
                                  "agency-credit", "attribution"])
def test_every_kind_is_mostly_found(kind):
    acc = accuracy()
    total, found = acc.total[("kind", kind)], acc.found[("kind", kind)]
    assert total and found / total >= 0.9, (kind, found, total)


def test_negatives_yield_no_finding_at_all():
    acc = accuracy()
    assert acc.negatives == 35
    fired = [(item["text"][:80], [(n.kind, n.rule, n.text) for n in found]) for item, found in acc.negative_hits]
    assert not fired, fired
