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
