"""A copied passage is found even when common shared text fills the candidate budget.

In a large corpus whose articles share sentences (syndicated news; the synthetic-from-real bench corpus
at 1M articles), the global top-``max_candidates`` of the first pass filled with documents sharing
common text with the draft, and a passage copied from another article, whose only rare n-grams span a
few words, got no candidate: ``check`` reported nothing there (a false green). The second pass
(``compliance.reuse.search``) gives every draft run the first pass left unexplained its own candidates.
The index here is built at that shape with the default search parameters.
"""

from __future__ import annotations

import random

import pytest

from compliance.pipeline import load_engine
from compliance.readers import read_text
from compliance.reuse import CorpusIndex, find_matches
from compliance.reuse.index import DF_LIMIT
from compliance.reuse.search import SearchParams, rank_candidates
from compliance.reuse.view import document_view

RNG = random.Random(20261207)
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _word() -> str:
    return "".join(RNG.choice(LETTERS) for _ in range(RNG.randint(4, 9)))


def _sentence(words: int) -> str:
    ws = [_word() for _ in range(words)]
    return " ".join([ws[0].capitalize(), *ws[1:]]) + "."


def _text(sentences: int) -> str:
    return " ".join(_sentence(RNG.randint(10, 16)) for _ in range(sentences))


CROWDED = SearchParams().max_candidates + 5  # more documents than the budget, each sharing the same block
SYNDICATED = " ".join(_sentence(16) for _ in range(50))  # an 800-word block held by the crowd (df <= DF_LIMIT)
SENT_A, SENT_B = _sentence(15), _sentence(15)  # each held by more than DF_LIMIT documents: common
BRIDGE = _sentence(6)  # in the source alone, between A and B: its only rare n-grams
COPIED = f"{SENT_A} {BRIDGE} {SENT_B}"
SENT_D = _sentence(30)  # a 30-word sentence held by so many documents that none of its n-grams is rare
COMMON = DF_LIMIT + 10
HEAVY = 5 * DF_LIMIT  # (at DF_LIMIT + 10 holders, n-grams at its edges are window minima in few enough)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    engine = load_engine(None)
    docs = [(f"crowd/{i:03d}.txt", f"{_text(2)}\n\n{SYNDICATED}\n\n{_text(2)}\n") for i in range(CROWDED)]
    docs.append(("source.txt", f"{_text(3)}\n\n{COPIED} {_text(2)}\n\n{_text(3)}\n"))
    for i in range(COMMON):  # A and B, each in its own surroundings
        docs.append((f"pool/a{i:03d}.txt", f"{_text(2)} {SENT_A} {_text(2)}\n"))
        docs.append((f"pool/b{i:03d}.txt", f"{_text(2)} {SENT_B} {_text(2)}\n"))
    docs += [(f"pool/d{i:03d}.txt", f"{_text(1)} {SENT_D} {_text(1)}\n") for i in range(HEAVY)]
    index = CorpusIndex(tmp_path_factory.mktemp("recall") / "corpus.sqlite", create=True)
    index.add_documents((read_text(text, path) for path, text in docs), engine)
    ids = {r["path"]: r["id"] for r in index.list()}
    yield index, engine, ids
    index.close()


def _check(index, engine, text):
    doc = read_text(text, "draft.md")
    return doc, find_matches(doc, index, engine.scan(doc))


def _covering(matches, doc, passage):
    start = doc.text.index(passage)
    end = start + len(passage)
    return [m for m in matches if m.draft_start < end and m.draft_end > start]


def test_a_passage_crowded_out_of_the_budget_is_found(corpus):
    index, engine, ids = corpus
    draft = f"{_text(3)}\n\n{SYNDICATED}\n\n{_text(2)} {COPIED} {_text(2)}\n"
    doc = read_text(draft, "draft.md")
    source = next(d for d, path in index.db.execute("SELECT doc, path FROM documents") if path == "source.txt")
    # the shape this test is about: the first pass's budget is full of the crowd, the source is not in it
    first = rank_candidates(document_view(doc, []), index, SearchParams())
    assert len(first) == SearchParams().max_candidates and source not in first

    doc, matches = _check(index, engine, draft)
    copied = _covering(matches, doc, COPIED)
    assert [m.source.id for m in copied] == [ids["source.txt"]]
    assert copied[0].draft_text == COPIED and copied[0].source_text == COPIED and copied[0].similarity == 1.0
    # the syndicated block is still one match, its other holders in ``also`` (the first pass, as before)
    block = _covering(matches, doc, SYNDICATED)
    assert len(block) == 1 and block[0].draft_text == SYNDICATED
    assert len(block[0].also) == SearchParams().max_candidates - 1
    assert {block[0].source.path, *(a.path for a in block[0].also)} <= {p for p in ids if p.startswith("crowd/")}


def test_a_long_passage_held_by_many_documents_is_found(corpus):
    index, engine, ids = corpus
    doc, matches = _check(index, engine, f"{_text(3)} {SENT_D} {_text(3)}\n")
    found = _covering(matches, doc, SENT_D)
    assert len(found) == 1 and found[0].draft_text == SENT_D
    holders = {ids[f"pool/d{i:03d}.txt"] for i in range(HEAVY)}
    assert {found[0].source.id, *(a.id for a in found[0].also)} <= holders


def test_unrelated_text_has_no_matches(corpus):
    index, engine, _ = corpus
    assert _check(index, engine, f"{_text(4)}\n\n{_text(4)}\n")[1] == []
