"""Is a draft passage a quotation? Inside quotation marks (:mod:`compliance.quotation`) or a blockquote."""

from __future__ import annotations

from compliance.document import Document
from compliance.quotation import quote_regions
from compliance.reuse.view import TextView, to_plain_span


def quoted_mask(view: TextView, doc: Document | None) -> bytearray:
    """1 for each token of ``view`` inside quotation marks or a blockquote block."""
    mask = bytearray(len(view))
    spans = quote_regions(view.plain)
    if doc is not None:
        for b in doc.blocks:
            if b.quoted:
                spans.append((b.plain_start, b.plain_end) if b.plain_end > b.plain_start
                             else to_plain_span(view.offset_map, b.start, b.end))
    for s, e in spans:
        i, j = view.token_range(s, e)
        if j > i:
            mask[i:j] = b"\x01" * (j - i)
    return mask
