"""Reused passages are found with exact spans on both sides; footers, quotes and syndication behave."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

from compliance.pipeline import load_engine
from compliance.readers import read_path, read_text
from compliance.reuse import CorpusIndex, find_matches
from tests.conftest import DATA, ROOT

PORTAL = ROOT / "fixtures" / "corpus" / "portal"
DRAFT = ROOT / "fixtures" / "drafts" / "reuse-mixed.md"


@pytest.fixture(scope="module")
def engine():
    return load_engine(None)


@pytest.fixture(scope="module")
def portal_index(tmp_path_factory, engine):
    index = CorpusIndex(tmp_path_factory.mktemp("portal") / "corpus.sqlite", create=True)
    index.add_paths([str(PORTAL)], engine)
    yield index
    index.close()


def check(doc, index, engine):
    return find_matches(doc, index, engine.scan(doc))


def by_source(matches):
    return {Path(m.source.path).name: m for m in matches}


def test_verbatim_edited_quoted_and_blockquoted_passages(portal_index, engine):
    doc = read_path(str(DRAFT))[0]
    matches = check(doc, portal_index, engine)
    for m in matches:  # spans are exact on both sides
        assert doc.text[m.draft_start:m.draft_end] == m.draft_text
        source = portal_index.get(m.source.id)
        assert source.text[m.source_start:m.source_end] == m.source_text
        assert doc.position(m.draft_start) == m.start and doc.position(m.draft_end) == m.end
    found = {(Path(m.source.path).name, m.draft_text[:30]): m for m in matches}
    assert len(matches) == 4, [m.draft_text for m in matches]

    verbatim = "Das Hüttenwerk in Dillingen hat am Montag den Umbau seines ältesten Hochofens begonnen. " \
               "Statt Koks soll dort ab dem übernächsten Winter zunächst Erdgas und später grüner Wasserstoff " \
               "das Eisenerz reduzieren."
    m = found[("stahlmarkt-hochofen.md", verbatim[:30])]
    assert m.draft_text == verbatim and m.source_text == verbatim
    assert m.similarity == 1.0 and m.words == len(verbatim.split()) and not m.quoted

    edited = [m for m in matches if Path(m.source.path).name == "stahlmarkt-schrott.md"]
    assert len(edited) == 1
    m = edited[0]
    assert m.draft_text.startswith("Händler von Stahlschrott melden für November")
    assert m.draft_text.endswith("ist das Angebot an sortenreinem Schrott knapp geworden.")
    assert m.source_text.startswith("Händler von Stahlschrott melden für den November")
    assert m.source_text.endswith("knapp geworden.")
    assert 0.85 < m.similarity < 1.0 and not m.quoted

    quote = found[("stahlmarkt-hochofen.md", "Für den Umbau muss der Ofen fa")]
    assert quote.quoted and quote.draft_text.endswith("benachbarte Elektrostahlanlage.")

    block = by_source(matches)["tidewater-ferries.md"]
    assert block.quoted and block.draft_text.startswith("The county transport board")
    assert block.source.publisher == "Tidewater Courier"
    assert block.source.title == "Tidewater county trials electric ferries on its busiest crossing"


def test_shared_portal_footer_is_not_reuse(portal_index, engine):
    """Two articles of one portal share their whole footer; only the bodies count."""
    doc = read_path(str(PORTAL / "stahlmarkt-schrott.md"))[0]
    others = [m for m in check(doc, portal_index, engine) if not m.source.path.endswith("stahlmarkt-schrott.md")]
    assert others == []


def test_unrelated_draft_has_no_matches(portal_index, engine):
    doc = read_text("Der Gemeinderat hat am Dienstag den Haushalt für das kommende Jahr beschlossen. "
                    "Die Schulden sollen bis 2030 halbiert werden, sagte der Kämmerer.\n", "d.md")
    assert check(doc, portal_index, engine) == []


def test_syndicated_copies_are_one_match_with_also(tmp_path, engine):
    body = (PORTAL / "tidewater-ferries.md").read_text(encoding="utf-8").split("\n\n")[2]
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(f"Wire copy {name}.\n\n{body}\n", encoding="utf-8")
    index = CorpusIndex(tmp_path / "i.sqlite", create=True)
    index.add_paths([str(tmp_path / n) for n in ("a.txt", "b.txt", "c.txt")], engine)
    matches = check(read_text(f"Our own intro sentence here.\n\n{body}\n", "d.md"), index, engine)
    assert len(matches) == 1
    assert len(matches[0].also) == 2
    assert {Path(matches[0].source.path).name, *(Path(a.path).name for a in matches[0].also)} == \
        {"a.txt", "b.txt", "c.txt"}


def _wikinews() -> list[str]:
    with open(DATA / "wikinews-de.jsonl", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


def test_planted_passages_in_real_news(tmp_path, engine):
    """A small run of bench/planted.py: every planted passage found, spans tight, no false match."""
    sys.path.insert(0, str(ROOT / "bench"))
    import planted

    rnd = random.Random(3)
    texts = _wikinews()[:400]
    hosts = planted.pick_hosts(texts, 40, rnd)
    cases = planted.make_cases(texts, hosts, 24, rnd)
    index = CorpusIndex(tmp_path / "w.sqlite", create=True)
    index.add_documents((read_text(t, f"wikinews/{i:04d}.txt") for i, t in enumerate(texts) if i not in hosts),
                        engine)
    ids = {r["path"]: r["id"] for r in index.list()}
    ious = []
    for k, case in enumerate(cases):
        matches = check(read_text(case.draft, f"draft-{k}.txt"), index, engine)
        want = ids[f"wikinews/{case.source:04d}.txt"]
        good = [m for m in matches if m.source.id == want]
        assert len(good) == 1 and len(matches) == 1, (k, case.words, case.edit_rate)
        ious.append(planted.iou((good[0].draft_start, good[0].draft_end), case.draft_span))
        ious.append(planted.iou((good[0].source_start, good[0].source_end), case.source_span))
    assert sum(ious) / len(ious) > 0.93
    for i in hosts[:15]:
        assert check(read_text(texts[i], "negative.txt"), index, engine) == []


def test_pan_subset_floor(tmp_path, engine):
    """Four PAN-id suspicious documents against all 30 sources: a floor the full bench beats."""
    sys.path.insert(0, str(ROOT / "bench"))
    from pan_measures import Annotation, read_annotations, score

    pan = DATA / "pan-id"
    index = CorpusIndex(tmp_path / "pan.sqlite", create=True)
    index.add_paths([str(pan / "source-documents")], engine)
    names = ["suspicious-document00002.txt", "suspicious-document00004.txt", "suspicious-document00006.txt",
             "suspicious-document00027.txt"]
    cases, dets = [], []
    for name in names:
        cases += read_annotations(pan / "suspicious-documents" / name.replace(".txt", ".xml"))
        doc = read_path(str(pan / "suspicious-documents" / name))[0]
        for m in check(doc, index, engine):
            dets.append(Annotation(name, m.draft_start, m.draft_end - m.draft_start, Path(m.source.path).name,
                                   m.source_start, m.source_end - m.source_start))
    s = score(cases, dets)
    assert s.plagdet >= 0.8 and s.precision >= 0.9 and s.granularity <= 1.1, s


def test_sentence_seeds_are_every_pair_passing_cosine_and_dice():
    """``SentenceMatcher.seeds`` counts Dice before it weighs a source sentence; its seeds are still exactly the
    pairs whose cosine and Dice both pass, with the cosine summed over the shared words in the source's order."""
    import math

    from compliance.reuse.sentences import SentenceMatcher, SentenceModel, SentenceParams, sentences_of
    from compliance.reuse.view import document_view

    texts = [read_path(str(p)) for p in [ROOT / "fixtures" / "drafts" / "showcase.md",
                                          *sorted((ROOT / "fixtures" / "corpus").glob("*.md"))]]
    sents = [sentences_of(document_view(t if hasattr(t, "text") else next(iter(t)), [])) for t in texts]
    draft, sources = sents[0], sents[1:]
    model = SentenceModel(sents)
    params = SentenceParams(min_cos=0.2, min_dice=0.2)
    matcher = SentenceMatcher(model, draft, params)
    total = 0
    for source in sources:
        want = []
        for j, bag in enumerate(source.bags):
            svec, snorm = model.weigh(bag)
            for k, dbag in enumerate(draft.bags):
                dvec, dnorm = model.weigh(dbag)
                shared = [w for w, sv in svec.items() if sv > 0 and w in dvec]
                if not snorm or not dnorm or not shared:
                    continue
                dot = 0.0
                for w in shared:
                    dot += svec[w] * dvec[w]
                dice = 2 * len(dbag.keys() & bag.keys()) / (len(dbag) + len(bag))
                if dot >= params.min_cos * dnorm * snorm and dice >= params.min_dice:
                    want.append((k, j, dot / (dnorm * snorm)))
        got = matcher.seeds(source)
        assert sorted(got) == sorted(want)
        assert all(math.isfinite(c) for _, _, c in got)
        total += len(got)
    assert total > 5  # the fixture sources share sentences with the showcase draft


def test_seed_grams_drop_exactly_the_ngrams_touching_notices_or_of_weak_words_only():
    """``_grams`` finds the n-grams to drop from runs of flagged words; the same as checking every window."""
    from compliance.reuse.align import _grams
    from compliance.reuse.normalize import weak_flags
    from compliance.reuse.view import make_view

    rnd = random.Random(5)
    vocab = ["harbour", "crane", "7", "a", "x", "2024", "ship", "quay", "I", "12"]
    for _ in range(200):
        words = [rnd.choice(vocab) for _ in range(rnd.randrange(0, 40))]
        text = " ".join(words)
        spans = []
        for _ in range(rnd.randrange(0, 3)):
            a = rnd.randrange(0, len(text) + 1)
            spans.append((a, min(len(text), a + rnd.randrange(1, 30))))
        view = make_view(text, text, None, spans)
        for n in (1, 2, 3, 5):
            got = _grams(view, n)
            ids, weak, ex = view.ids, weak_flags(view.tokens.words), view.excluded
            want = [] if len(ids) < n else [
                None if 1 in ex[i:i + n] or weak[i:i + n].count(1) == n else hash(tuple(ids[i:i + n]))
                for i in range(len(ids) - n + 1)]
            assert got == want
