"""Bytes to text: UTF-8 (with or without BOM) first, other encodings via charset-normalizer.

Binary data is refused. A file that is mostly UTF-8 but has invalid bytes is refused too, naming the
line, rather than silently decoded as Latin-1: mixed encodings mean a damaged file.
"""

from __future__ import annotations

import codecs

import regex

from compliance.errors import InputError
from compliance.readers.sniff import refuse_binary_document

_UTF8_MULTIBYTE = regex.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_CONTROL = regex.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in head


def decode(data: bytes, path: str, declared: str | None = None) -> str:
    """Decode ``data`` read from ``path``; ``declared`` is an encoding named by the container (HTTP, meta)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    refuse_binary_document(data, path)  # a PDF or Word file: say how to convert it
    if _looks_binary(data):
        raise InputError("binary file, not text", path)
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration is common on the web; fall through to detection
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        if _UTF8_MULTIBYTE.search(data):
            line = data[: err.start].count(b"\n") + 1
            raise InputError(f"invalid UTF-8 byte 0x{data[err.start]:02x}", path, line) from None
        text = _detect(data, path)
    if len(_CONTROL.findall(text[:8192])) > 8:
        raise InputError("binary file, not text", path)
    return text


def _detect(data: bytes, path: str) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError("binary or undecodable file, not text", path)
    return str(best)


# YAML and JSON can spell lone UTF-16 surrogates ("\ud800"), which no UTF-8 output can hold.
_SURROGATE = regex.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate as U+FFFD (one code point for one: offsets do not move)."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text
