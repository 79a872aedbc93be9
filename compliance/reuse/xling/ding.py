"""The bilingual bridge: a Ding-format dictionary (``German :: English``) read from the user's system.

Debian's ``trans-de-en`` (~300,000 German forms with inflections) is GPL-2+; compliance is Apache-2.0,
so the file is never shipped or derived into the repository: it is parsed once on the user's machine into
an SQLite cache keyed by the file's SHA-256 (under the rule cache directory) and looked up word by word,
so a query reads only the draft's words, not the whole table (start-up stays ~10 ms warm).

Ding lines: ``de1; de2 | de-form | ... :: en1; en2 | en-form | ...`` where the ``|`` parts of both sides
are aligned (headword, then inflected forms or examples) and ``;`` separates synonyms; ``{m}``, ``[ugs.]``
and ``(...)`` are annotations. A German synonym with one content word maps to the English stems of the
aligned part.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from compliance.reuse.normalize import normalize_word
from compliance.reuse.xling.terms import Analyzer

FORMAT = 1  # bump when parsing or normalisation changes: the cache file name carries it
_ANNOTATION = re.compile(r"\{[^}]*\}|\[[^\]]*\]|\([^)]*\)|<[^>]*>|(?<!\S)/[^/\s]+/(?!\S)")
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_PLACEHOLDERS = frozenset({"jd", "jdm", "jdn", "jds", "etw", "sb", "sth", "so", "to", "sich"})


class DictionaryError(Exception):
    """The dictionary file cannot be read (the caller warns and runs on anchors)."""


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def file_digest(path: Path, cache: Path | None) -> str:
    """:func:`file_hash` of ``path``, remembered in ``cache`` with the file's identity (device, inode, size,
    modification and change times in ns) and reused while that is unchanged: hashing the 25 MB dictionary
    was ~20 ms of every check, and any write to the file moves its change time (which no tool can set back)."""
    st = path.stat()
    identity = [str(path.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    memo = cache / f"{path.name}.digest.json" if cache is not None else None
    if memo is not None:
        with contextlib.suppress(OSError, ValueError):
            known = json.loads(memo.read_text(encoding="utf-8"))
            if isinstance(known, dict) and known.get("file") == identity and isinstance(known.get("sha256"), str):
                return known["sha256"]
    digest = file_hash(path)
    if memo is not None:
        with contextlib.suppress(OSError):
            cache.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=cache, suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump({"file": identity, "sha256": digest}, f)
                os.replace(tmp, memo)
            finally:
                Path(tmp).unlink(missing_ok=True)
    return digest


def parse(lines: Iterable[str], de: Analyzer, en: Analyzer, max_alternatives: int) -> dict[str, list[str]]:
    """German normalized form -> English stems (in dictionary order, at most ``max_alternatives``)."""
    table: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith("#") or "::" not in line:
            continue
        left, _, right = line.partition("::")
        for de_part, en_part in zip(left.split("|"), right.split("|"), strict=False):
            stems = _english_stems(en_part, en)
            if not stems:
                continue
            for synonym in de_part.split(";"):
                form = _single_word(synonym, de)
                if form is None:
                    continue
                have = table.setdefault(form, [])
                for s in stems:
                    if len(have) < max_alternatives and s not in have:
                        have.append(s)
    return table


def _content_words(text: str, analyzer: Analyzer) -> list[str]:
    words = [normalize_word(w) for w in _WORD.findall(_ANNOTATION.sub(" ", text))]
    return [w for w in words if w not in _PLACEHOLDERS and w not in analyzer.stopwords]


def _single_word(text: str, de: Analyzer) -> str | None:
    words = _content_words(text.replace("/", " "), de)
    return words[0] if len(words) == 1 and not words[0].isdigit() else None


def _english_stems(text: str, en: Analyzer) -> list[str]:
    out: list[str] = []
    for synonym in text.split(";"):
        for w in _content_words(synonym, en):
            s = en.stem(w)
            if s not in out:
                out.append(s)
    return out


class Bridge:
    """German words -> English stems, from the cached dictionary (exact form, stem, then compound parts)."""

    def __init__(self, db: sqlite3.Connection, de: Analyzer, min_part: int) -> None:
        self.db = db
        self.de = de
        self.min_part = min_part

    def translate(self, words: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Normalized German word -> English stems (words the dictionary cannot bridge are left out)."""
        words = set(words)
        forms = self._fetch("forms", words)
        out = {w: forms[w] for w in words if w in forms}
        rest = [w for w in words if w not in out]
        stems = self._fetch("stems", {self.de.stem(w) for w in rest})
        for w in rest:
            if (s := self.de.stem(w)) in stems:
                out[w] = stems[s]
        rest = [w for w in rest if w not in out and len(w) >= 2 * self.min_part]
        if rest:
            parts = {w[i:j] for w in rest for i in range(len(w)) for j in range(i + self.min_part, len(w) + 1)}
            known = self._fetch("forms", parts)
            known.update({k: v for k, v in self._fetch("stems", {self.de.stem(p) for p in parts}).items()
                          if k not in known})
            for w in rest:
                alts = self._decompound(w, known, {})
                if alts:
                    out[w] = alts
        return out

    def _decompound(self, word: str, known: dict[str, tuple[str, ...]], memo: dict) -> tuple[str, ...] | None:
        """Greedy: the longest known head part, then the rest (a linking -s-/-es-/-n- dropped), recursively."""
        if word in memo:
            return memo[word]
        memo[word] = None
        found = known.get(word) or known.get(self.de.stem(word))
        if found:
            memo[word] = found
            return found
        for k in range(len(word) - self.min_part, self.min_part - 1, -1):
            head = known.get(word[:k])
            if not head:
                continue
            rest = word[k:]
            for tail in (rest, rest[1:] if rest[:1] in "sn" else None, rest[2:] if rest[:2] == "es" else None):
                if tail and len(tail) >= self.min_part and (alts := self._decompound(tail, known, memo)):
                    memo[word] = tuple(dict.fromkeys((*head[:3], *alts)))
                    return memo[word]
        return None

    def _fetch(self, table: str, keys: Iterable[str]) -> dict[str, tuple[str, ...]]:
        keys = list(keys)
        if not keys:
            return {}
        rows = self.db.execute(f"SELECT k, en FROM {table} WHERE k IN (SELECT value FROM json_each(?))",
                               (json.dumps(keys),))
        return {k: tuple(en.split()) for k, en in rows}


def open_bridge(path: Path, de: Analyzer, en: Analyzer, max_alternatives: int, min_part: int,
                cache: Path | None, on_build: Callable[[Path], None] | None = None) -> Bridge:
    """The bridge for ``path``: its cache if built before (same bytes, same code), else parse and cache
    (``on_build(path)`` is told first: parsing the full dictionary takes ~20 s, once)."""
    try:
        digest = file_digest(path, cache)
    except OSError as err:
        raise DictionaryError(f"cannot read {path}: {err.strerror or err}") from None
    name = f"{path.name}-{digest[:20]}-f{FORMAT}-a{max_alternatives}-{en.implementation}.sqlite"
    if cache is not None and (cache / name).is_file():
        with contextlib.suppress(sqlite3.Error):
            db = sqlite3.connect(f"file:{cache / name}?mode=ro", uri=True, check_same_thread=False)
            db.execute("SELECT 1 FROM stems LIMIT 1")
            return Bridge(db, de, min_part)
    if on_build is not None:
        on_build(path)
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            table = parse(f, de, en, max_alternatives)
    except OSError as err:
        raise DictionaryError(f"cannot read {path}: {err.strerror or err}") from None
    db = _build(table, de, cache, name)
    return Bridge(db, de, min_part)


def _build(table: dict[str, list[str]], de: Analyzer, cache: Path | None, name: str) -> sqlite3.Connection:
    """Write the cache atomically (a temp file renamed into place); in memory when there is no cache."""
    stems: dict[str, list[str]] = {}
    for form, alts in table.items():
        have = stems.setdefault(de.stem(form), [])
        have.extend(a for a in alts if a not in have and len(have) < 12)
    if cache is not None:
        with contextlib.suppress(OSError, sqlite3.Error):
            cache.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=cache, suffix=".tmp")
            os.close(fd)
            try:
                _write(sqlite3.connect(tmp), table, stems).close()
                os.replace(tmp, cache / name)
            finally:
                Path(tmp).unlink(missing_ok=True)
            return sqlite3.connect(f"file:{cache / name}?mode=ro", uri=True, check_same_thread=False)
    return _write(sqlite3.connect(":memory:", check_same_thread=False), table, stems)


def _write(db: sqlite3.Connection, table: dict[str, list[str]], stems: dict[str, list[str]]) -> sqlite3.Connection:
    db.execute("CREATE TABLE forms (k TEXT PRIMARY KEY, en TEXT NOT NULL) WITHOUT ROWID")
    db.execute("CREATE TABLE stems (k TEXT PRIMARY KEY, en TEXT NOT NULL) WITHOUT ROWID")
    db.executemany("INSERT INTO forms VALUES (?, ?)", ((k, " ".join(v)) for k, v in table.items()))
    db.executemany("INSERT INTO stems VALUES (?, ?)", ((k, " ".join(v)) for k, v in stems.items() if v))
    db.commit()
    return db
