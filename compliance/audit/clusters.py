"""Near-duplicate and syndication clusters inside an archive, and which member is the original.

Each document contributes a *sketch*: a fixed-rule sample of its winnowed word-4-gram fingerprints
(:func:`compliance.audit.records.sketch`). Documents are added one by one; each new document counts
the fingerprints it shares with earlier ones through an inverted index, and two documents are joined
(union-find) when the shared fingerprints cover at least ``threshold`` of the smaller sketch (a
containment test, so a short excerpt or a copy with an extra paragraph still joins the full story).
Documents with identical sketches are joined directly, however many copies there are.

Memory is bounded by the index, never by the documents: a fingerprint found in more than ``df_cap``
documents is boilerplate (a stock phrase, a newsletter teaser) and stops counting; when the index
holds more than ``budget`` postings, the sample rate is halved (only fingerprints divisible by the
doubled modulus are kept, for every document alike), which keeps estimates unbiased but noisier.

Which member is the original is read from the copies' notices, never guessed from dates alone: a copy
that says "Source: X", "Dieser Artikel stammt von X", "Originally published by X" or links to X's URL
names its origin; the member whose publisher, site name, host or URL matches X (and that names no
other member as its own origin) is the original. Agency credits that match no member leave the
original unknown (``None``): the story came from outside the archive.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import regex

from compliance.audit.records import SAMPLE, DocInfo, Key, host

THRESHOLD = 0.5  # shared share of the smaller sketch
MIN_SHARED = 3  # fewer shared fingerprints is chance, not copying
DF_CAP = 200  # a fingerprint in more documents than this is boilerplate
BUDGET = 4_000_000  # postings kept before the sample rate is halved

_SATURATED = -1
_NON_ALNUM = regex.compile(r"[^\p{L}\p{N}]+")
_MIN_NAME = 6  # shorter names only match exactly
_MIN_NAME_SHARE = 0.6  # a name inside another must be most of it ("Example Times" in "The Example Times")


@dataclass
class Cluster:
    """Members in input order; ``original`` is a member key or None when no notice says which."""

    id: str
    members: list[Key]
    urls: list[str | None]
    original: Key | None = None
    evidence: str | None = None
    origins: list[str] = field(default_factory=list)  # origins named by members that match no member

    def to_dict(self) -> dict[str, Any]:
        def ref(key: Key, url: str | None) -> dict[str, Any]:
            return {"path": key[0], "record": key[1], "url": url}

        original = None
        if self.original is not None:
            original = ref(self.original, self.urls[self.members.index(self.original)])
        return {"id": self.id, "size": len(self.members),
                "members": [ref(k, u) for k, u in zip(self.members, self.urls, strict=True)],
                "original": original, "evidence": self.evidence, "named_origins": self.origins}

    def field_for(self, key: Key) -> dict[str, Any]:
        """The record's ``cluster`` field: original true/false, or None when unknown."""
        return {"id": self.id, "original": None if self.original is None else key == self.original}


class ClusterIndex:
    """Online clustering: :meth:`add` each document's :class:`DocInfo`, then :meth:`clusters`."""

    def __init__(self, threshold: float = THRESHOLD, min_shared: int = MIN_SHARED, df_cap: int = DF_CAP,
                 budget: int = BUDGET) -> None:
        self.threshold = threshold
        self.min_shared = min_shared
        self.df_cap = df_cap
        self.budget = budget
        self.modulus = 1  # extra sampling on top of records.SAMPLE, raised when over budget
        self.keys: list[Key] = []
        self.urls: list[str | None] = []
        self.names: list[tuple[str, ...]] = []
        self.claims: list[tuple[str, ...]] = []
        self.sizes = array("l")
        self.parent = array("l")
        self.postings: dict[int, Any] = {}  # hash -> doc index | list of doc indices | _SATURATED
        self.n_postings = 0
        self.digests: dict[bytes, int] = {}

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def from_groups(cls, infos: list[DocInfo], groups: list[list[int]]) -> ClusterIndex:
        """An index of ``infos`` (in input order) already joined into ``groups`` (indices into ``infos``).

        The Spark engine finds the groups with a distributed join instead of :meth:`add`; numbering the
        clusters and naming their originals must still be this class's, so both engines agree."""
        index = cls()
        for i, info in enumerate(infos):
            index.keys.append(info.key)
            index.urls.append(info.url)
            index.names.append(tuple(info.names))
            index.claims.append(tuple(info.claims))
            index.sizes.append(len(info.sketch))
            index.parent.append(i)
        for group in groups:
            for member in group[1:]:
                index._union(group[0], member)
        return index

    def add(self, info: DocInfo) -> None:
        hashes = [h for h in info.sketch if self._kept(h)]
        if len(hashes) < self.min_shared:
            return  # too short to tell copies from chance
        i = len(self.keys)
        self.keys.append(info.key)
        self.urls.append(info.url)
        self.names.append(tuple(info.names))
        self.claims.append(tuple(info.claims))
        self.sizes.append(len(hashes))
        self.parent.append(i)
        digest = hashlib.blake2b(info.sketch.tobytes(), digest_size=16).digest()
        if digest in self.digests:
            self._union(self.digests[digest], i)
        else:
            self.digests[digest] = i
        shared: Counter[int] = Counter()
        for h in hashes:
            entry = self.postings.get(h)
            if entry is None:
                self.postings[h] = i
            elif entry == _SATURATED:
                continue
            elif isinstance(entry, int):
                shared[entry] += 1
                self.postings[h] = [entry, i]
            else:
                shared.update(entry)
                if len(entry) >= self.df_cap:
                    self.postings[h] = _SATURATED
                    self.n_postings -= len(entry)
                    continue
                entry.append(i)
            self.n_postings += 1
        for j, n in shared.items():
            if n >= self.min_shared and n >= self.threshold * min(self.sizes[i], self.sizes[j]):
                self._union(i, j)
        if self.n_postings > self.budget:
            self._resample()

    def _kept(self, h: int) -> bool:
        return self.modulus == 1 or (h // SAMPLE) % self.modulus == 0

    def _resample(self) -> None:
        """Halve the sample: keep fingerprints divisible by the doubled modulus, recount sizes."""
        self.modulus *= 2
        sizes = array("l", [0]) * len(self.keys)
        kept: dict[int, Any] = {}
        total = 0
        for h, entry in self.postings.items():
            if not self._kept(h):
                continue
            kept[h] = entry
            if entry == _SATURATED:
                continue
            for j in (entry,) if isinstance(entry, int) else entry:
                sizes[j] += 1
                total += 1
        self.postings = kept
        self.n_postings = total
        # a document's size counts its saturated fingerprints too; approximate them by the same halving
        self.sizes = array("l", (max(s, (old + 1) // 2) for s, old in zip(sizes, self.sizes, strict=True)))

    def _find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def _union(self, i: int, j: int) -> None:
        a, b = self._find(i), self._find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)  # the root is the earliest member

    def clusters(self) -> list[Cluster]:
        """Clusters of two or more documents, numbered c1, c2, ... in order of their first member."""
        groups: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.keys)):
            groups[self._find(i)].append(i)
        out = []
        for members in sorted((m for m in groups.values() if len(m) > 1), key=lambda m: m[0]):
            cluster = Cluster(f"c{len(out) + 1}", [self.keys[i] for i in members], [self.urls[i] for i in members])
            original, evidence, origins = self._original(members)
            cluster.original = self.keys[original] if original is not None else None
            cluster.evidence = evidence
            cluster.origins = origins
            out.append(cluster)
        return out

    def _original(self, members: list[int]) -> tuple[int | None, str | None, list[str]]:
        votes: Counter[int] = Counter()
        named: dict[int, list[str]] = defaultdict(list)
        copies: set[int] = set()
        outside: list[str] = []
        for m in members:
            voted: set[int] = set()  # one vote per copy, however many of its notices name the original
            for claim in self.claims[m]:
                if _matches(claim, self.names[m], self.urls[m]):
                    continue  # a page naming itself
                hits = [o for o in members if o != m and _matches(claim, self.names[o], self.urls[o])]
                if hits:
                    copies.add(m)
                for o in hits:
                    voted.add(o)
                    if claim not in named[o]:
                        named[o].append(claim)
                if not hits and claim not in outside:
                    outside.append(claim)
            votes.update(voted)
        candidates = [o for o in votes if o not in copies] or list(votes)
        if not candidates:
            return None, None, outside
        best = max(candidates, key=lambda o: (votes[o], -members.index(o)))
        n = votes[best]
        evidence = f"named as the origin by {n} member{'s' if n != 1 else ''} ({', '.join(named[best][:3])})"
        return best, evidence, outside


def _alnum(text: str) -> str:
    return _NON_ALNUM.sub("", text.casefold())


def _url_key(url: str) -> str:
    h = host(url) or ""
    rest = url.split("//", 1)[-1]
    path = rest[rest.find("/"):] if "/" in rest else "/"
    return h + path.split("#")[0].rstrip("/")


def _matches(claim: str, names: tuple[str, ...], url: str | None) -> bool:
    """Does a named origin (a name, domain or URL) denote this document's publisher or page?"""
    claim = claim.strip()
    if not claim:
        return False
    if "//" in claim or claim.lower().startswith("www."):
        if url and _url_key(claim) == _url_key(url):
            return True
        claim_host = host(claim)
        return bool(claim_host) and any(claim_host == n.lower().removeprefix("www.") for n in names)
    c = _alnum(claim)
    if not c:
        return False
    for name in names:
        n = _alnum(name)
        if not n:
            continue
        short, long_ = (c, n) if len(c) <= len(n) else (n, c)
        if c == n or (len(short) >= _MIN_NAME and len(short) >= _MIN_NAME_SHARE * len(long_) and short in long_):
            return True
    return False
