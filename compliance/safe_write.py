"""Files written next to a target without being redirected elsewhere.

Reports, record files and baselines are written to a temporary file beside the target and renamed into
place. A predictable temporary name (``report.json.tmp``) can be planted beforehand as a symlink to any
file the user may write, and ``open`` would follow it; so the temporary file gets a random name and is
created exclusively without following links (``O_EXCL | O_NOFOLLOW``). Renaming over a symlink replaces
the link itself, so the target's directory is the only place anything is written.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import regex

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def sibling_temp(path: Path) -> tuple[int, Path]:
    """A new, empty file in ``path``'s directory, opened for writing: ``(fd, its path)``.

    Permissions are those of a normal new file (0666 less the umask); raises OSError as ``open`` does.
    """
    for _ in range(8):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name next to {path}")


def replace_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` whole: a sibling temporary file renamed over it.

    Creates ``path``'s directory; raises OSError, leaving no temporary file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = sibling_temp(path)
    try:
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def draft_encoding(data: bytes) -> tuple[bytes, str]:
    """``(BOM, encoding)`` of a draft as the text readers decode it: UTF-8 (its BOM kept apart), else the
    encoding charset-normalizer detects."""
    import codecs

    if data.startswith(codecs.BOM_UTF8):
        return codecs.BOM_UTF8, "utf-8"
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):  # encoded without a BOM per piece, the file's own BOM kept
            return bom, encoding
    try:
        data.decode("utf-8")
        return b"", "utf-8"
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        return b"", best.encoding if best is not None else "utf-8"


def splice(data: bytes, text: str, edits: list[tuple[int, int, str]], fallback: dict[str, str]) -> bytes:
    """``data`` (a draft's bytes, decoded as ``text``) with ``edits`` applied: (start, end, new text), code
    points into ``text``, half-open, not overlapping.

    Every byte outside the edits is copied from ``data`` (line endings, BOM, bytes of an encoding that do
    not round-trip); the new text is encoded in the draft's encoding, a character it cannot hold replaced
    by ``fallback`` (Latin-1 has no „“). Raises ValueError when ``text`` is not what ``data`` decodes to
    (the file changed) or a character can be written neither way."""
    bom, encoding = draft_encoding(data)
    body = data[len(bom):]
    if body.decode(encoding) != text:
        raise ValueError("the file changed since it was read")
    # A Windows code page is often a guess for an ISO-8859 file: if the draft uses none of the code page's
    # own characters (bytes 0x80-0x9f), write none either (a Latin-1 editor would show control codes).
    iso = encoding.lower().replace("-", "").replace("_", "").startswith(("cp125", "windows125")) \
        and regex.search(rb"[\x80-\x9f]", body) is None
    out, char_pos, byte_pos = [bom], 0, 0
    for start, end, new in sorted(edits):
        keep = len(text[char_pos:start].encode(encoding))
        out.append(body[byte_pos:byte_pos + keep])
        out.append(_encode(new, encoding, fallback, iso))
        byte_pos += keep + len(text[start:end].encode(encoding))
        char_pos = end
    out.append(body[byte_pos:])
    return b"".join(out)


def _encode(text: str, encoding: str, fallback: dict[str, str], iso: bool = False) -> bytes:
    """``text`` in ``encoding``; a character it cannot hold (with ``iso``: one only a code page has) becomes
    its ``fallback``."""
    out = []
    for ch in text:
        try:
            data = ch.encode(encoding)
            if iso and 0x80 <= data[0] <= 0x9F:
                raise UnicodeEncodeError(encoding, ch, 0, 1, "not in ISO-8859")
        except UnicodeEncodeError:
            if ch not in fallback:
                raise ValueError(f"{ch!r} cannot be written in {encoding}") from None
            data = _encode(fallback[ch], encoding, {}, iso)
        out.append(data)
    return b"".join(out)


def replace_bytes(path: Path, data: bytes, expected: bytes) -> None:
    """Write ``data`` over ``path`` atomically (a sibling temporary file renamed over it), keeping its
    permissions; raises ValueError when the file no longer holds ``expected`` (edited meanwhile)."""
    if path.read_bytes() != expected:
        raise ValueError("the file changed while it was being fixed")
    mode = path.stat().st_mode & 0o7777
    fd, tmp = sibling_temp(path)
    try:
        with open(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
