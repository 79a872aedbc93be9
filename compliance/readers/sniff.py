"""Documents that are not text, recognised by their first bytes: PDF, Word/OpenDocument (ZIP), old Office, RTF.

A PDF has few NUL bytes near its start and often decodes as Latin-1 "text" full of stream garbage, so the
plain reader used to read it and the check passed. Recognising the signature (not the suffix: a PDF saved
as ``draft.txt`` or piped to stdin is still a PDF) turns that into one line saying how to convert it.
"""

from __future__ import annotations

import io
import os
import shlex
import zipfile
from dataclasses import dataclass

from compliance.errors import InputError

PANDOC = "pandoc {q} -t plain -o {out}"


@dataclass(frozen=True)
class Kind:
    """A binary document format: what to call it, its usual suffixes, the command that converts it."""

    name: str
    suffixes: tuple[str, ...]
    convert: str  # {q}: the quoted path, {out}: the text file to write

    def message(self, path: str) -> str:
        if path == "-":
            return f"{self.name}, not text; convert it first and pipe the text in"
        out = os.path.splitext(path)[0] + ".txt"
        out = path + ".txt" if out == path else out  # a PDF named .txt: never overwrite it
        command = self.convert.format(q=shlex.quote(path), out=shlex.quote(out))
        return f"{self.name}, not text; convert it first: {command}"


PDF = Kind("a PDF", (".pdf",), "pdftotext {q} {out}")
WORD = Kind("a Word document", (".docx", ".docm", ".dotx"), PANDOC)
ODT = Kind("an OpenDocument text", (".odt",), PANDOC)
EPUB = Kind("an EPUB book", (".epub",), PANDOC)
OFFICE = Kind("an Office document (spreadsheet or slides)", (".xlsx", ".pptx", ".ods", ".odp"),
              "libreoffice --headless --convert-to txt {q}")
ZIP = Kind("a ZIP archive", (".zip",), "unzip {q}")
OLE = Kind("a legacy Office document (.doc/.xls/.ppt)", (".doc", ".xls", ".ppt"),
           "libreoffice --headless --convert-to txt {q}")
RTF = Kind("an RTF document", (".rtf",), PANDOC)
KINDS = (PDF, WORD, ODT, EPUB, OFFICE, ZIP, OLE, RTF)

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def kind_of(data: bytes) -> Kind | None:
    """The binary document format ``data`` starts with, or None for anything else (text, HTML, ...)."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf")
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(_OLE_MAGIC):
        return OLE
    if head.startswith(b"{\\rtf"):
        return RTF
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(data)
    return None


def _zip_kind(data: bytes) -> Kind:
    """Office formats are ZIP archives; their member names say which one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            mimetype = zf.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return ZIP  # truncated or odd: still not text
    if "word/document.xml" in names:
        return WORD
    if "opendocument.text" in mimetype:
        return ODT
    if "epub" in mimetype:
        return EPUB
    if mimetype.startswith("application/vnd.oasis") or {"xl/workbook.xml", "ppt/presentation.xml"} & names:
        return OFFICE
    return ZIP


def refuse_binary_document(data: bytes, path: str) -> None:
    """Raise a one-line InputError with a conversion hint when ``data`` is a PDF, Word, ... document."""
    kind = kind_of(data)
    if kind is not None:
        raise InputError(kind.message(path), path)


def kind_by_suffix(name: str) -> Kind | None:
    """The binary format a file name suggests (a walk skips such files, saying how to convert them)."""
    low = name.lower()
    return next((k for k in KINDS if low.endswith(k.suffixes)), None)
