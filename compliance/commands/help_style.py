"""``--help`` without Python type names.

Typer's rich help prints a type column: ``<bool>`` beside every flag, ``<list[str]>`` beside every
variadic argument, ``<str>`` beside options without a metavar. Users read PATH, GLOB, LEVEL, FORMAT;
flags need nothing. Typer offers no hook per parameter, so :func:`install` overrides the one method that
fills the column, once, for this process. Options keep their metavar (every value option declares one;
tests/test_cli_basics.py checks that no help shows a type name); flags and arguments (whose metavar is
already in the name column) show nothing.
"""

from __future__ import annotations

from typing import Any

_installed = {"done": False}


def _option_type(self: Any, ctx: Any) -> str | None:
    """The metavar of a value option; nothing for flags (``--quiet``, ``--help``)."""
    if self.metavar is not None:
        return self.metavar
    if self.is_flag or self.count:
        return None
    return self.name.upper() if self.name else None


def _argument_type(self: Any, ctx: Any) -> str | None:
    """Nothing: the name column shows the argument's metavar already."""
    return None


def install() -> None:
    """Replace Typer's type labels by metavars (idempotent; a Typer without the method is left alone)."""
    if _installed["done"]:
        return
    from typer.core import TyperArgument, TyperOption

    if hasattr(TyperOption, "display_type_rich"):
        TyperOption.display_type_rich = _option_type  # type: ignore[method-assign]
    if hasattr(TyperArgument, "display_type_rich"):
        TyperArgument.display_type_rich = _argument_type  # type: ignore[method-assign]
    _installed["done"] = True
