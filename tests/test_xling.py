"""Cross-language reuse (issue 16): a German translation of an English corpus source.

The dictionary is fixtures/xling/de-en.ding, written for these tests in Ding format (the real one,
Debian's trans-de-en, is GPL and read from the user's system only); its cache goes to a temporary
directory so every test parses it through the real code path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fixtures" / "corpus"
XLING = ROOT / "fixtures" / "xling"
DRAFT = XLING / "hafen-solar.de.md"
DICTIONARY = XLING / "de-en.ding"
BAN_FOOTER = ("© 2025 OpenWire Collective. All rights reserved. No part of this article may be reproduced, "
              "translated or republished without written permission.")


def run(args: list[str], cwd: Path, env_cache: Path) -> subprocess.CompletedProcess:
    env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "HOME": str(cwd),
           "COMPLIANCE_CACHE_DIR": str(env_cache), "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "compliance", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=240)


def project(tmp_path: Path, dictionary: Path, sources: list[Path]) -> Path:
    """A project directory: a config naming the dictionary, and a corpus of ``sources``."""
    (tmp_path / ".compliance.toml").write_text(f'[dictionaries]\nde-en = "{dictionary}"\n', encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for s in sources:
        shutil.copy(s, corpus / s.name)
    return corpus


def check(tmp_path: Path, corpus: Path) -> tuple[dict, str]:
    cache = tmp_path / "cache"
    added = run(["corpus", "add", str(corpus), "--index", "idx.sqlite", "-q"], tmp_path, cache)
    assert added.returncode == 0, added.stderr
    out = run(["check", str(DRAFT), "--index", "idx.sqlite", "--format", "json"], tmp_path, cache)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout), out.stderr


@pytest.fixture(scope="module")
def cc_by(tmp_path_factory) -> tuple[dict, str]:
    tmp = tmp_path_factory.mktemp("ccby")
    corpus = project(tmp, DICTIONARY, sorted(CORPUS.glob("*.md")))
    return check(tmp, corpus)


def translations(report: dict) -> list[dict]:
    return [m for f in report["files"] for m in f["matches"] if m["kind"] == "translation"]


def test_translation_of_english_source_is_found_with_spans_on_both_sides(cc_by):
    report, stderr = cc_by
    found = translations(report)
    assert len(found) == 1, found
    m = found[0]
    assert Path(m["source"]["path"]).name == "openwire-harbour.md"
    text = DRAFT.read_text(encoding="utf-8")
    source = (CORPUS / "openwire-harbour.md").read_text(encoding="utf-8")
    assert text[slice(*m["draft_offset"])] == m["draft_text"]
    assert source[slice(*m["source_offset"])] == m["source_text"]
    # the three body paragraphs on both sides: from the first sentence to the last, the licence footer not included
    assert m["draft_text"].startswith("Eine Küstenstadt") and m["draft_text"].endswith("das Budget genehmigt.")
    assert m["source_text"].startswith("A coastal city") and m["source_text"].endswith("approves the budget.")
    assert 0 < m["similarity"] < 1 and m["words"] > 100
    assert "warning" not in stderr


def test_translation_gets_the_source_verdict_cc_by(cc_by):
    report, _ = cc_by
    m = translations(report)[0]
    verdicts = [v for v in report["files"][0]["verdicts"] if v["draft_offset"] == m["draft_offset"]]
    assert [v["source_id"] for v in verdicts] == [m["source"]["id"]]
    # CC BY allows translating with credit; the draft names nobody
    assert verdicts[0]["verdict"] == "needs-attribution"


def test_translation_of_reproduction_ban_source_is_not_allowed(tmp_path):
    banned = tmp_path / "src" / "openwire-harbour.md"
    banned.parent.mkdir()
    text = (CORPUS / "openwire-harbour.md").read_text(encoding="utf-8")
    banned.write_text(text[:text.index("© 2025")] + BAN_FOOTER + "\n", encoding="utf-8")
    corpus = project(tmp_path, DICTIONARY, [banned, CORPUS / "erzkurier-lithium.md"])
    report, _ = check(tmp_path, corpus)
    m = translations(report)[0]
    verdict = next(v for v in report["files"][0]["verdicts"] if v["draft_offset"] == m["draft_offset"])
    assert verdict["verdict"] == "not-allowed"
    assert verdict["severity"] == "error"


def test_without_dictionary_one_warning_line_and_anchors_only(tmp_path):
    corpus = project(tmp_path, tmp_path / "missing-de-en", sorted(CORPUS.glob("*.md")))
    report, stderr = check(tmp_path, corpus)
    warnings = [line for line in stderr.splitlines() if "cross-language" in line]
    assert len(warnings) == 1 and "apt-get install trans-de-en" in warnings[0]
    assert "missing-de-en" in warnings[0]
    # anchors alone (numbers, names, words spelled alike) do not carry this article
    assert translations(report) == []


def test_monolingual_matches_are_verbatim(tmp_path):
    corpus = project(tmp_path, DICTIONARY, sorted(CORPUS.rglob("*.md")))
    cache = tmp_path / "cache"
    assert run(["corpus", "add", str(corpus), "--index", "idx.sqlite", "-q"], tmp_path, cache).returncode == 0
    draft = ROOT / "fixtures" / "drafts" / "reuse-mixed.md"
    out = run(["check", str(draft), "--index", "idx.sqlite", "--format", "json"], tmp_path, cache)
    matches = [m for f in json.loads(out.stdout)["files"] for m in f["matches"]]
    assert matches and {m["kind"] for m in matches} == {"verbatim"}


def test_bridge_forms_lemmas_and_compounds(tmp_path):
    from compliance.reuse.normalize import normalize_word
    from compliance.reuse.xling.ding import open_bridge
    from compliance.reuse.xling.engine import XlingEngine
    from compliance.ruleset.loader import load_ruleset

    eng = XlingEngine.load(load_ruleset().ruleset.xling)
    de, en = eng.analyzers["de"], eng.analyzers["en"]
    bridge = open_bridge(DICTIONARY, de, en, 8, 3, tmp_path)
    words = ["Solarmodule", "Schiffsdocks", "Hafenstädte", "Getreideexporte", "Lagerhäusern", "Zürich"]
    table = bridge.translate(normalize_word(w) for w in words)
    assert table["solarmodule"] == ("solar", "panel")  # an inflected form listed in the entry
    assert set(table["schiffsdocks"]) == {"ship", "dock"}  # Schiff + linking s + Docks
    assert {"harbour", "citi"} <= set(table["hafenstaedte"])  # Hafen + Städte
    assert {"grain", "export"} <= set(table["getreideexporte"])
    assert "warehous" in table["lagerhaeusern"]  # lemma fallback: the German stem of a listed form
    assert "zuerich" not in table  # a name: left to the anchors
    # the cache is keyed by the file's hash: a second open reads it instead of parsing
    cached = list(tmp_path.glob("de-en.ding-*.sqlite"))
    assert len(cached) == 1
    again = open_bridge(DICTIONARY, de, en, 8, 3, tmp_path)
    assert again.translate(["solarmodule"]) == {"solarmodule": ("solar", "panel")}


def test_dictionary_hash_is_remembered_until_the_file_changes(tmp_path, monkeypatch):
    """The dictionary's SHA-256 (its cache key) is not computed again on every check while the file is the same
    file, unchanged; a write to it is noticed, and the cache built for the new bytes."""
    from compliance.reuse.xling import ding
    from compliance.reuse.xling.engine import XlingEngine
    from compliance.ruleset.loader import load_ruleset

    eng = XlingEngine.load(load_ruleset().ruleset.xling)
    de, en = eng.analyzers["de"], eng.analyzers["en"]
    dictionary, cache = tmp_path / "de-en.ding", tmp_path / "cache"
    shutil.copy(DICTIONARY, dictionary)
    assert ding.open_bridge(dictionary, de, en, 8, 3, cache).translate(["zzwortneu"]) == {}
    hashed: list[Path] = []
    real = ding.file_hash
    monkeypatch.setattr(ding, "file_hash", lambda path: hashed.append(path) or real(path))
    assert ding.open_bridge(dictionary, de, en, 8, 3, cache).translate(["solarmodule"]) == {
        "solarmodule": ("solar", "panel")}
    assert hashed == []  # the same file: its remembered digest
    with dictionary.open("a", encoding="utf-8") as f:
        f.write("Zzwortneu {n} :: zebra\n")
    assert ding.open_bridge(dictionary, de, en, 8, 3, cache).translate(["zzwortneu"]) == {"zzwortneu": ("zebra",)}
    assert hashed == [dictionary]
    assert len(list(cache.glob("de-en.ding-*.sqlite"))) == 2
    (cache / "de-en.ding.digest.json").write_text("[]", encoding="utf-8")  # not ours, or damaged: hashed again
    assert ding.open_bridge(dictionary, de, en, 8, 3, cache).translate(["zzwortneu"]) == {"zzwortneu": ("zebra",)}
    assert hashed == [dictionary, dictionary]


def test_corpus_remove_drops_cross_language_rows(tmp_path):
    import sqlite3

    corpus = project(tmp_path, DICTIONARY, [CORPUS / "openwire-harbour.md", CORPUS / "erzkurier-lithium.md"])
    cache = tmp_path / "cache"
    assert run(["corpus", "add", str(corpus), "--index", "idx.sqlite", "-q"], tmp_path, cache).returncode == 0
    db = sqlite3.connect(tmp_path / "idx.sqlite")
    langs = sorted(r[0] for r in db.execute("SELECT lang FROM xling_docs"))
    assert langs == ["de", "en"]
    assert xling_postings(db) > 20
    assert list(db.execute("SELECT lang, docs FROM xling_langs WHERE docs > 0")) == [("en", 1)]
    db.close()
    out = run(["corpus", "remove", str(corpus / "openwire-harbour.md"), "--index", "idx.sqlite"], tmp_path, cache)
    assert out.returncode == 0, out.stderr
    db = sqlite3.connect(tmp_path / "idx.sqlite")
    assert [r[0] for r in db.execute("SELECT lang FROM xling_docs")] == ["de"]
    assert xling_postings(db) == 0
    assert list(db.execute("SELECT lang, docs FROM xling_langs WHERE docs > 0")) == []
    db.close()


def xling_postings(db) -> int:
    """Cross-language postings in all segments' ``xling_<seg>`` tables."""
    from compliance.reuse import doclists

    tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE name GLOB 'xling_[0-9]*'")]
    return sum(doclists.count(b) for t in tables for (b,) in db.execute(f"SELECT docs FROM {t}"))


def test_index_without_cross_language_data_says_so(tmp_path):
    import sqlite3

    corpus = project(tmp_path, DICTIONARY, [CORPUS / "openwire-harbour.md"])
    cache = tmp_path / "cache"
    assert run(["corpus", "add", str(corpus), "--index", "idx.sqlite", "-q"], tmp_path, cache).returncode == 0
    db = sqlite3.connect(tmp_path / "idx.sqlite")
    db.execute("DELETE FROM xling_docs")  # as an index written with COMPLIANCE_NO_XLING=1
    db.execute("DELETE FROM xling_langs")
    db.commit()
    db.close()
    out = run(["check", str(DRAFT), "--index", "idx.sqlite", "--format", "json"], tmp_path, cache)
    assert out.returncode in (0, 1), out.stderr
    lines = [line for line in out.stderr.splitlines() if "cross-language" in line]
    assert len(lines) == 1 and "corpus add" in lines[0]
    assert translations(json.loads(out.stdout)) == []


WMT = ROOT / ".." / "shared" / "data" / "xling-wmt"
REAL_DICTIONARY = Path("/usr/share/trans/de-en")


@pytest.mark.skipif(not REAL_DICTIONARY.is_file() or not WMT.is_dir(),
                    reason="needs Debian's trans-de-en and ../shared/data/xling-wmt")
def test_real_dictionary_finds_wmt_translations(tmp_path):
    """The installed dictionary on real news: human and machine translations found, a German article without
    an English source not (the full figures are bench/xling.py's)."""
    from compliance.pipeline import load_engine
    from compliance.readers import read_text
    from compliance.reuse.index import CorpusIndex
    from compliance.reuse.xling import load_xling
    from compliance.reuse.xling.search import find_translations

    def lines(name: str) -> list[str]:
        return (WMT / name).read_text(encoding="utf-8").split("\n")

    en, human = lines("newstest2021.en-de.src.en"), lines("newstest2021.en-de.ref.A.de")
    mt = lines("newstest2021.en-de.hyp.Online-B.de")
    other = lines("newstest2021.de-en.ref.A.en")
    engine = load_engine(None)
    index = CorpusIndex(tmp_path / "idx.sqlite", create=True)
    chunks = [(a, a + 25) for a in range(0, 200, 25)]
    index.add_documents([read_text(" ".join(en[a:b]), f"/en/{a}.md") for a, b in chunks]
                        + [read_text(" ".join(other[a:b]), f"/other/o{a}.md") for a, b in chunks], engine)
    xling = load_xling(engine.rules.ruleset)
    for a, b in chunks[:4]:
        for side in (human, mt):
            found = find_translations(read_text(" ".join(side[a:b]), "d.md"), index, xling)
            assert {Path(m.source.path).name for m in found} == {f"{a}.md"}
            assert all(m.kind == "translation" and m.words >= 12 for m in found)
    negative = json.loads((WMT.parent / "wikinews-de.jsonl").read_text(encoding="utf-8").splitlines()[0])["text"]
    assert find_translations(read_text(negative, "n.md"), index, xling) == []
    index.close()


def test_text_report_names_the_translation_without_a_word_diff(tmp_path):
    """Every word of another language differs: the text report shows both sides plain and says what it is."""
    corpus = project(tmp_path, DICTIONARY, [CORPUS / "openwire-harbour.md"])
    cache = tmp_path / "cache"
    assert run(["corpus", "add", str(corpus), "--index", "idx.sqlite", "-q"], tmp_path, cache).returncode == 0
    out = run(["check", str(DRAFT), "--index", "idx.sqlite"], tmp_path, cache)
    assert out.returncode == 0, out.stderr  # needs-attribution is a warning, under the default --fail-on error
    assert "needs-attribution" in out.stdout and "translated from" in out.stdout and "openwire-harbour.md" in out.stdout
    assert "Eine Küstenstadt" in out.stdout and "A coastal city" in out.stdout
    assert "{+Eine" not in out.stdout and "[-A coastal" not in out.stdout


def pair_similarities(groups: list, weight: dict[str, float], sources: list[list[str]]) -> dict:
    """The definition, pair by pair: the weighted share of the draft sentence's words with a stem in the source
    sentence, times the share of the source sentence's stems the draft sentence may translate to, square-rooted."""
    import math

    out = {}
    for i, sent in enumerate(groups):
        total = sum(weight[w] for w, _ in sent)
        stems = {t for _, alts in sent for t in alts}
        for j, terms in enumerate(sources):
            explained = sum(1 for t in terms if t in stems)
            if explained:
                hit = {w for w, alts in sent if set(alts) & set(terms)}
                found = [w for w in dict.fromkeys(w for w, _ in sent) if w in hit]  # once each, in sentence order
                out[j, i] = math.sqrt(sum(weight[w] for w in found) / total * explained / len(terms))
    return out


def test_sentence_pairs_scored_at_once_are_those_of_a_pair_by_pair_walk():
    """The translation search scores all candidate sentence pairs with array operations: on random drafts (a word
    may repeat in a sentence, a stem may be no stored one) and random stored sentences spread over documents,
    every pair the definition puts at or above the floor is found, with its value, and no other."""
    import random

    from compliance.reuse.xling.pairs import draft_index, similar_pairs
    from compliance.reuse.xling.postings import encode_sents, read_sent_table

    rng = random.Random(7)
    ties = 0
    stems = [f"s{k}" for k in range(40)]
    ids = {t: 3 * k + 1 for k, t in enumerate(stems[:35])}  # s35-s39: no stored sentence holds them
    for _ in range(60):
        groups = [[(f"w{rng.randrange(30)}", tuple(rng.sample(stems, rng.randint(1, 3))))
                   for _ in range(rng.randint(0, 12))] for _ in range(rng.randint(1, 8))]
        weight = {f"w{k}": rng.uniform(0.1, 5.0) for k in range(30)}
        docs = [[[rng.choice(stems[:35]) for _ in range(rng.randint(1, 20))] for _ in range(rng.randint(1, 6))]
                for _ in range(rng.randint(1, 4))]
        table = read_sent_table([(100 + d, encode_sents([[0, 1, t, 0] for t in sents], ids))
                                 for d, sents in enumerate(docs)])
        every = pair_similarities(groups, weight, [t for sents in docs for t in sents])
        index = draft_index(groups, weight, [sum(weight[w] for w, _ in sent) for sent in groups], ids)
        for floor in (0.0, 0.25, 0.5):
            source, i, sims = similar_pairs(index, table, floor)
            got = dict(zip(zip(source.tolist(), i.tolist(), strict=True), sims.tolist(), strict=True))
            assert list(got) == sorted(got)  # by source sentence, then draft sentence
            assert got == {k: v for k, v in every.items() if v >= floor}  # the same floats: summed in the same order
            ties += sum(v == floor for v in every.values())
    assert ties  # pairs exactly at the floor (all words found, a quarter of the stems) are kept


def test_sentence_blobs_and_document_lists_decoded_at_once_as_one_by_one():
    """Candidates' sentences and the postings are decoded in one pass over all their bytes: the same sentences
    (spans, stems, segments) and the same document numbers as decoding each blob on its own."""
    import random
    import sqlite3

    import numpy as np

    from compliance.reuse import doclists
    from compliance.reuse.xling import postings as xp

    rng = random.Random(3)
    blobs = [b"".join(doclists.encode(rng.sample(range(rng.choice([300, 10**7])), rng.randint(1, 300)))
                      for _ in range(rng.randint(1, 3))) for _ in range(200)]
    for got, blob in zip(xp.decode_lists(blobs), blobs, strict=True):
        assert got.tolist() == doclists.decode(blob).tolist()
    assert xp.list_counts(blobs) == [doclists.count(b) for b in blobs]  # counts of 1-3 chunks, 1-2 byte varints
    assert xp.decode_lists([]) == []
    for size in (0, 1, 2, 7, 300):  # the union of lists: np.unique's values
        values = np.array([rng.randrange(20 if size < 10 else 10**6) for _ in range(size)], dtype=np.int64)
        assert xp.sorted_unique(values).tolist() == np.unique(values).tolist()
    db = sqlite3.connect(":memory:")
    xp.create_schema(db)
    vocab = [f"stem{k}" for k in range(400)]
    ids = xp.stem_ids(db, Counter(vocab))
    sents = {}
    for doc in range(30):
        pos, sents[doc] = rng.randrange(5000), []
        for _ in range(rng.randint(1, 25)):
            start = max(0, pos + rng.randint(-40, 200))  # a sentence may start before the previous one ends
            pos = start + rng.randint(1, 3000)
            sents[doc].append([start, pos, rng.sample(vocab, rng.randint(1, 30)), rng.randrange(4)])
    blobs = {doc: xp.encode_sents(s, ids) for doc, s in sents.items()}
    order = rng.sample(sorted(blobs), 20)
    table = xp.read_sent_table([(d, blobs[d]) for d in order])
    names = {v: k for k, v in ids.items()}
    assert table.docs == order
    for doc in order:
        got = [[int(table.start[j]), int(table.end[j]), [names[int(t)] for t in table.stems[table.owner == j]],
                int(table.seg[j])] for j in table.sentences(doc)]
        assert got == sents[doc] == xp.read_sents(db, {doc: blobs[doc]})[doc]
    assert np.array_equal(table.size, np.bincount(table.owner, minlength=len(table.start)))
