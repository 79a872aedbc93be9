"""One error type for everything the user can fix: bad paths, bad rules, bad config.

The CLI turns a :class:`ComplianceError` into one line on stderr and exit code 2; anything
else is a bug and only shows a traceback with ``--debug``.
"""

from __future__ import annotations


class ComplianceError(Exception):
    """A problem with the user's input, named by file (and line/column where there is one)."""

    exit_code = 2

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}" if where else self.message


class InputError(ComplianceError):
    """A document that cannot be read (missing, binary, undecodable, unreadable)."""


class RuleError(ComplianceError):
    """A rule pack that cannot be loaded (YAML syntax, unknown key, bad pattern)."""


class ConfigError(ComplianceError):
    """A configuration file or option that cannot be used."""


def optional_module(name: str, extra: str, feature: str):
    """Import a module that only an extra installs (e.g. ``spark``), the one way optional engines are imported:
    when it is missing the user gets one line naming the extra to install, not a ModuleNotFoundError."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        raise ConfigError(f"{feature} needs the {extra!r} extra, which is not installed: "
                          f"pip install 'compliance[{extra}]'") from None
