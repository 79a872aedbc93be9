"""Project configuration: ``[tool.compliance]`` in pyproject.toml or a ``.compliance.toml``.

Found by walking up from the working directory; the first file that has our table wins. Keys may be
written with hyphens or underscores. Command-line options override the file.

    [tool.compliance]
    corpus = ".compliance/corpus.sqlite"
    rules = ["house-rules"]            # extra rule packs, relative to the config file
    fail-on = "error"                  # error | warning | info | never
    commercial-use = true
    own-publishers = ["Beispiel-Zeitung"]
    quote = { max-words = 40, max-share = 0.1 }   # quote limits for every source
    default-policy = { store = "review" }          # for sources with no notice
    follow-symlinks = false            # follow symlinks that lead out of a scanned directory
    extensions = { ".mdx" = "markdown", ".rst" = "text" }   # more suffixes to read: text, markdown or html

    [tool.compliance.limits]           # see compliance/limits.py for the defaults and why
    max-file-size = "50MB"             # per document: a file, a WARC record, a JSONL line
    max-line-length = 1000000          # characters
    max-compression-ratio = 100        # gzip/WARC decompression bombs
    html-max-depth = 2000              # nesting depth of HTML elements (2000 at most)
    html-max-elements = 50000          # more: fast main-text extraction instead of trafilatura
    extract-timeout = 5                # seconds of trafilatura per page, then the fast extraction

    [tool.compliance.spark]            # Spark conf keys for --engine spark, passed as written
    "spark.executor.memory" = "4g"
    "spark.sql.shuffle.partitions" = 64
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import regex
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from compliance.errors import ConfigError
from compliance.ruleset.model import Permissions, QuotePolicy, RuleSet

FailOn = Literal["error", "warning", "info", "never"]
ReaderName = Literal["text", "markdown", "html"]  # keys of compliance.readers.READER_NAMES
CONFIG_NAMES = (".compliance.toml", "pyproject.toml")
IGNORE_FILE = ".complianceignore"


class QuoteLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_words: int | None = Field(None, ge=0)
    max_share: float | None = Field(None, ge=0, le=1)


class LimitsConfig(BaseModel):
    """``[tool.compliance.limits]``: unset keys keep the defaults of :class:`compliance.limits.Limits`."""

    model_config = ConfigDict(extra="forbid")
    max_file_size: int | str | None = None
    max_line_length: int | None = Field(None, gt=0)
    max_compression_ratio: float | None = Field(None, ge=1)
    html_max_depth: int | None = Field(None, gt=0, le=2000)
    html_max_elements: int | None = Field(None, gt=0)
    extract_timeout: float | None = Field(None, gt=0)

    @field_validator("max_file_size")
    @classmethod
    def _size(cls, value: int | str | None) -> int | None:
        from compliance.limits import parse_size

        return None if value is None else parse_size(value)


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    corpus: str | None = None
    rules: list[str] = Field(default_factory=list)
    fail_on: FailOn = "error"
    commercial_use: bool | None = None
    own_publishers: list[str] = Field(default_factory=list)
    quote: QuoteLimits | None = None
    default_policy: Permissions | None = None
    baseline: str | None = None
    follow_symlinks: bool = False
    extensions: dict[str, ReaderName] = Field(default_factory=dict)  # suffix -> reader, for walks and names
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    dictionaries: dict[str, str] = Field(default_factory=dict)  # language pair (de-en) -> bilingual dictionary
    spark: dict[str, str | int | float | bool] = Field(default_factory=dict)  # Spark conf keys (--engine spark)
    path: str | None = Field(None, exclude=True)  # the file this came from
    root: str = Field(".", exclude=True)  # its directory: relative paths resolve against it


VERBATIM_TABLES = ("spark",)  # tables whose keys belong to another tool and are passed through as written


def _snake(data: Any, top: bool = True) -> Any:
    if isinstance(data, dict):
        return {str(k).replace("-", "_"): v if top and k in VERBATIM_TABLES else _snake(v, False)
                for k, v in data.items()}
    if isinstance(data, list):
        return [_snake(v, False) for v in data]
    return data


def _upwards(start: Path | None = None) -> tuple[Path, ...]:
    """The working directory (or ``start``) and its parents: where project files are looked for."""
    here = (start or Path.cwd()).resolve()
    return (here, *here.parents)


def find_upwards(relative: str, start: Path | None = None) -> Path | None:
    """The nearest ``relative`` file (e.g. ``.compliance/corpus.sqlite``) from the working directory up, as the
    config is found: a command run in a subdirectory uses the project's files."""
    return next((d / relative for d in _upwards(start) if (d / relative).is_file()), None)


def find_config(start: Path | None = None) -> Path | None:
    for directory in _upwards(start):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_table(candidate)):
                return candidate
    return None


def _has_table(pyproject: Path) -> bool:
    try:
        return "[tool.compliance" in pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def load_config(path: Path | None = None, search: bool = True) -> Config:
    """The config in ``path`` (or the one found from the working directory), else defaults."""
    if path is None and search:
        path = find_config()
    if path is None:
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"cannot read config: {err.strerror or err}", str(path)) from None
    except UnicodeDecodeError:
        raise ConfigError("config is not UTF-8 text", str(path)) from None
    except tomllib.TOMLDecodeError as err:
        m = regex.search(r"\(at line (\d+), column (\d+)\)", str(err))
        msg = regex.sub(r"\s*\(at line \d+, column \d+\)", "", str(err))
        raise ConfigError(f"invalid TOML: {msg}", str(path), int(m.group(1)) if m else None,
                          int(m.group(2)) if m else None) from None
    table = raw.get("tool", {}).get("compliance", {}) if path.name == "pyproject.toml" else \
        raw.get("tool", {}).get("compliance", raw)
    try:
        config = Config.model_validate(_snake(table))
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(x).replace("_", "-") for x in first["loc"])
        msg = f"unknown key {where!r}" if first["type"] == "extra_forbidden" else f"{where}: {first['msg']}"
        raise ConfigError(msg, str(path)) from None
    config.path = str(path)
    config.root = str(path.parent)
    return config


def rule_dirs(config: Config) -> list[str]:
    return [str(Path(config.root) / r) for r in config.rules]


def apply_to_ruleset(ruleset: RuleSet, config: Config) -> RuleSet:
    """Config overrides of the policy: commercial use, own names, global quote limits, default policy."""
    policy = ruleset.policy
    updates: dict[str, Any] = {}
    if config.commercial_use is not None:
        updates["commercial_use"] = config.commercial_use
    if config.own_publishers:
        updates["own_publishers"] = [*policy.own_publishers, *config.own_publishers]
    default = policy.default
    if config.default_policy is not None:
        base = default.model_dump(exclude_none=True) if default else {}
        base.update(config.default_policy.model_dump(exclude_none=True, exclude_defaults=True))
        default = Permissions.model_validate(base)
    kinds = dict(policy.kinds)
    if config.quote is not None:
        limits = config.quote.model_dump(exclude_none=True)
        default = _with_quote_limits(default, limits)
        kinds = {k: _with_quote_limits(v, limits) for k, v in kinds.items()}
    updates["default"] = default
    updates["kinds"] = kinds
    return ruleset.model_copy(update={"policy": policy.model_copy(update=updates)})


def _with_quote_limits(perms: Permissions | None, limits: dict[str, Any]) -> Permissions | None:
    if perms is None or perms.quote is None:
        return perms
    quote = QuotePolicy.model_validate({**perms.quote.model_dump(), **limits})
    return perms.model_copy(update={"quote": quote})


def load_ignore(root: Path | None = None):
    """The ``.complianceignore`` spec (gitignore syntax), or None."""
    path = (root or Path.cwd()) / IGNORE_FILE
    if not path.is_file():
        return None
    import pathspec  # only with an ignore file: its import is ~10 ms of every start-up

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read ignore file: {err}", str(path)) from None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def is_ignored(spec, path: str, root: Path | None = None) -> bool:
    if spec is None or path == "-":
        return False
    try:
        rel = Path(path).resolve().relative_to((root or Path.cwd()).resolve())
    except ValueError:
        rel = Path(path)
    return spec.match_file(str(rel))
