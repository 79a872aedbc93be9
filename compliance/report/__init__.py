"""Reporters: render check results as text (rich), JSON, SARIF, GitHub annotations, Markdown, HTML.

One registry maps a ``--format`` name to ``"module:function"``; modules are imported only when used.
Every renderer has the signature ``render(results, stream, **options)`` and writes to ``stream``.
Options a renderer does not know are ignored, so a command can pass the same options to any format.
"""

from __future__ import annotations

import importlib
from typing import Any, TextIO

FORMATS: dict[str, str] = {
    "text": "compliance.report.check_text:render",
    "json": "compliance.report.json_out:render",
    "sarif": "compliance.report.sarif:render",
    "github": "compliance.report.github:render",
    "markdown": "compliance.report.markdown:render",
    "html": "compliance.report.html:render",
}


def render(format: str, results: list[Any], stream: TextIO, **options: Any) -> None:
    """Write ``results`` (a list of ``FileResult``) to ``stream`` in ``format``.

    Options: ``root`` (directory paths are made relative to; default the working directory), ``width``
    and ``color`` (text), ``max_words`` (words shown per passage in text/Markdown), ``step_summary``
    (github: file to append the Markdown summary to; default ``$GITHUB_STEP_SUMMARY``).
    """
    from compliance.errors import ConfigError

    target = FORMATS.get(format)
    if target is None:
        raise ConfigError(f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
    module, func = target.split(":")
    getattr(importlib.import_module(module), func)(results, stream, **options)
