"""Normalized tokens map back to exact code-point spans; fingerprints do not depend on the path taken."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.quotation import quote_regions
from compliance.reuse import fingerprint as fp
from compliance.reuse.normalize import normalize_word, text_ids, tokenize, words_of
from compliance.reuse.view import make_view, map_from_runs, map_runs, to_plain_span

# Letters, digits, accents (precomposed and combining), ligatures, full-width forms, punctuation,
# line breaks and hyphens: everything the normalizer folds or splits on.
ALPHABET = st.sampled_from(list("aäAÄoöüßẞeéE\u0301\u0308ﬁＡ1２ İı-  \n\r\t.,;:!?„“\"«»'’_")
                           + ["Zusam-\nmen", "Ost-\nWest"])
TEXTS = st.lists(ALPHABET, max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_every_token_is_the_normalized_text_of_its_span(text):
    toks = tokenize(text)
    assert len(toks.words) == len(toks.starts) == len(toks.ends)
    last = 0
    for word, s, e in zip(toks.words, toks.starts, toks.ends, strict=True):
        assert last <= s < e <= len(text)
        raw = text[s:e]
        joined = "".join(part.strip() for part in raw.replace("\r", "\n").split("-\n")) if "-" in raw else raw
        assert normalize_word(joined) == word
        last = e


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_words_without_spans_equal_tokenized_words(text):
    assert words_of(text) == tokenize(text).words
    assert text_ids(text) == tokenize(text).ids()


def test_folding_examples():
    text = "Die GRÖSSE der Straße, „Zusam-\nmenarbeit“ Ost-\nWest café ﬁnal Mu\u0308ller İstanbul 60%"
    toks = tokenize(text)
    assert toks.words == ["die", "groesse", "der", "strasse", "zusammenarbeit", "ost", "west", "cafe", "final",
                          "mueller", "istanbul", "60"]
    spans = [text[s:e] for s, e in zip(toks.starts, toks.ends, strict=True)]
    assert spans[1] == "GRÖSSE" and spans[4] == "Zusam-\nmenarbeit" and spans[9] == "Mu\u0308ller"
    assert normalize_word("Größe") == normalize_word("GROESSE") == "groesse"


def test_markdown_offsets_survive_storage_round_trip():
    from compliance.readers import read_text

    text = "# Title\n\nSome *emphasised* words and a [link](http://x.example) in **bold**.\n"
    doc = read_text(text, "a.md")
    runs = map_runs(doc.offset_map)
    om = map_from_runs(runs)
    view = make_view(doc.text, doc.plain, om)
    i = view.tokens.words.index("emphasised")
    s, e = view.text_span(i, i + 1)
    assert doc.text[s:e] == "emphasised"
    j = view.tokens.words.index("link")
    s, e = view.text_span(i, j + 1)
    assert doc.text[s:e] == "emphasised* words and a [link"
    # the inverse map snaps spans into the plain view
    ps, pe = to_plain_span(om, doc.text.index("link"), doc.text.index("link") + 4)
    assert doc.plain[ps:pe] == "link"


def test_index_fingerprints_equal_query_path_without_exclusions():
    text = "Japan versucht, seine Wirtschaftsbeziehungen zu den Vereinigten Staaten zu stärken, indem es " \
           "eine Partnerschaft vorschlägt, die sich auf kritische Mineralien konzentriert."
    toks = tokenize(text)
    assert fp.text_fingerprints(text)[0] == fp.fingerprints(toks.ids())
    assert fp.text_fingerprints(text)[1] == len(toks)
    # excluding a span removes exactly the n-grams that touch it
    cut = text.index("Partnerschaft")
    kept, _ = fp.text_fingerprints(text, [(cut, cut + len("Partnerschaft"))])
    k = toks.words.index("partnerschaft")
    ids = toks.ids()
    touching = {hash(tuple(ids[i:i + fp.GRAM])) & ((1 << fp.HASH_BITS) - 1)
                for i in range(max(0, k - fp.GRAM + 1), k + 1)}
    assert kept and not kept & touching
    assert kept <= fp.query_hashes(ids)
    assert fp.query_hashes(toks.ids()) >= fp.fingerprints(toks.ids())


def test_winnowing_guarantee():
    """Two texts sharing a run of window + gram - 1 words share a fingerprint."""
    shared = "alpha beta gamma delta epsilon zeta eta theta"  # 8 words >= 4 + 4 - 1
    a = fp.fingerprints(tokenize("one two three " + shared + " four five").ids())
    b = fp.fingerprints(tokenize("six seven " + shared + " eight nine ten eleven").ids())
    assert a & b


def test_quote_regions():
    def quoted(t):
        return [t[a:b] for a, b in quote_regions(t)]

    assert quoted("Er sagte: „Wir kommen.“ Dann") == ["Wir kommen."]
    assert quoted('He said "yes" and “no” and don’t') == ["yes", "no"]
    assert quoted("»Hallo« und «salut»") == ["Hallo", "salut"]
    assert quoted("open „never closed") == []
    assert quoted('a "b\n\nc" d') == []  # quotes do not run across paragraphs
