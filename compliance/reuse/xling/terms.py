"""Words -> terms: stop words out, Snowball stems, language by stop-word share.

Both sides meet on English stems: a source sentence is the set of its stems; a draft sentence is a list
of *groups*, one per German content word, each holding the English stems it may translate to (or the
word itself, stemmed, when the dictionary has no entry: names, numbers and loanwords are anchors).
"""

from __future__ import annotations

from collections.abc import Sequence

import snowballstemmer

DETECT_TOKENS = 2000  # tokens read to tell the language
MIN_STOP_SHARE = 0.12  # share of stop words under which a text has no detected language


class Analyzer:
    """One language's stop words and stemmer (stems memoised: news vocabularies repeat)."""

    def __init__(self, lang: str, stopwords: frozenset[str], algorithm: str) -> None:
        self.lang = lang
        self.stopwords = stopwords
        self._stemmer = snowballstemmer.stemmer(algorithm)
        # the C stemmers (PyStemmer) and the pure-Python ones may ship different Snowball versions
        self.implementation = type(self._stemmer).__module__.split(".")[0]
        self._memo: dict[str, str] = {}

    def stem(self, word: str) -> str:
        s = self._memo.get(word)
        if s is None:
            s = word if word.isdigit() else self._stemmer.stemWord(word)
            if len(self._memo) > 500_000:
                self._memo.clear()
            self._memo[word] = s
        return s

    def is_content(self, word: str) -> bool:
        return word not in self.stopwords and (len(word) > 1 or word.isdigit())


def detect_language(words: Sequence[str], analyzers: dict[str, Analyzer]) -> str | None:
    """The language whose stop words make up the largest share of the first tokens (None: too few)."""
    sample = words[:DETECT_TOKENS]
    if len(sample) < 8:
        return None
    best, share = None, 0.0
    for lang, a in analyzers.items():
        s = sum(1 for w in sample if w in a.stopwords) / len(sample)
        if s > share:
            best, share = lang, s
    return best if share >= MIN_STOP_SHARE else None


def source_terms(words: Sequence[str], analyzer: Analyzer) -> list[str]:
    """Distinct stems of a source sentence's content words, in order."""
    stop, memo, stem = analyzer.stopwords, analyzer._memo, analyzer.stem  # inlined: ~1,000 words a document
    return list(dict.fromkeys(memo.get(w) or stem(w) for w in words
                              if w not in stop and (len(w) > 1 or w.isdigit())))


def draft_groups(words: Sequence[str], analyzer: Analyzer, target: Analyzer,
                 bridge: dict[str, tuple[str, ...]]) -> list[tuple[str, tuple[str, ...]]]:
    """(German word, English stems) per distinct content word of a draft sentence."""
    out: dict[str, tuple[str, ...]] = {}
    for w in words:
        if w in out or not analyzer.is_content(w):
            continue
        out[w] = bridge.get(w) or (target.stem(w),)
    return list(out.items())
