"""Does the draft name the source near the passage? (§ 63 UrhG: the source must be stated.)

Attribution counts when a name of the source (publisher, alias, domain, URL, holder) appears in a block the
passage touches, in the block before or after it, in a sources/credits section, or in the front matter.
"""

from __future__ import annotations

from collections.abc import Iterable

import regex

from compliance.document import Document


def _name_pattern(names: Iterable[str]) -> regex.Pattern | None:
    alts = sorted({regex.escape(n.strip().lower()) for n in names if n.strip()}, key=len, reverse=True)
    if not alts:
        return None
    return regex.compile(r"(?<![\w])(?:" + "|".join(alts) + r")(?![\w])")


def _credit_block_indexes(doc: Document, headings: list[str]) -> set[int]:
    wanted = {h.strip().lower().rstrip(":") for h in headings}
    out = set()
    for i, block in enumerate(doc.blocks):
        section = (block.section or "").strip().lower().rstrip(":")
        if section in wanted:
            out.add(i)
        elif block.kind in ("paragraph", "heading"):  # "Quellen: …" as a paragraph of its own
            first = doc.plain[block.plain_start:block.plain_end].split(":", 1)[0].strip().lower()
            if first in wanted:
                out.add(i)
    return out


def attribution_text(doc: Document, start: int, end: int, credit_sections: list[str]) -> str:
    """Text of the blocks around source span [start, end) plus credit sections, front matter and link URLs."""
    touched = [i for i, b in enumerate(doc.blocks) if b.start < max(end, start + 1) and start < max(b.end, b.start + 1)]
    if not touched:
        touched = [i for i, b in enumerate(doc.blocks) if b.start >= start][:1]
    near: set[int] = set()
    for i in touched:
        near.update((i - 1, i, i + 1))
    near |= _credit_block_indexes(doc, credit_sections)
    parts = []
    for i in sorted(near):
        if 0 <= i < len(doc.blocks):
            b = doc.blocks[i]
            parts.append(doc.plain[b.plain_start:b.plain_end])
            parts += [link["url"] for link in doc.metadata.get("links", [])
                      if b.plain_start <= link["plain"][0] < b.plain_end]
    for key, value in doc.metadata.items():
        if key != "links" and isinstance(value, str | list):
            parts.append(" ".join(map(str, value)) if isinstance(value, list) else value)
    return "\n".join(parts)


def is_attributed(doc: Document, start: int, end: int, names: list[str], credit_sections: list[str]) -> str | None:
    """The name found near the passage, or None."""
    pattern = _name_pattern(names)
    if pattern is None:
        return None
    m = pattern.search(attribution_text(doc, start, end, credit_sections).lower())
    return m.group(0) if m else None
