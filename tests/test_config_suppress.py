"""Config files, .complianceignore, inline suppressions and baselines."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.config import apply_to_ruleset, is_ignored, load_config, load_ignore
from compliance.errors import ConfigError, InputError
from compliance.findings import Verdict
from compliance.readers import read_text
from compliance.ruleset import load_ruleset
from compliance.suppress import apply_baseline, apply_suppressions, load_baseline, verdict_key, write_baseline


def test_pyproject_table_is_found_and_hyphens_accepted(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.compliance]\nfail-on = "warning"\nrules = ["house"]\n'
        'quote = { max-words = 30 }\nown-publishers = ["Tagesblatt"]\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    config = load_config()
    assert config.fail_on == "warning"
    assert config.path == str(tmp_path / "pyproject.toml")
    ruleset = apply_to_ruleset(load_ruleset().ruleset, config)
    assert ruleset.policy.default.quote.max_words == 30
    assert ruleset.policy.kinds["reproduction-ban"].quote.max_words == 30
    assert "Tagesblatt" in ruleset.policy.own_publishers


def test_malformed_toml_names_line_and_column(tmp_path):
    f = tmp_path / ".compliance.toml"
    f.write_text('fail-on = "error"\nquote = { max-words = }\n')
    with pytest.raises(ConfigError) as info:
        load_config(f)
    assert str(info.value).startswith(f"{f}:2:")


def test_unknown_config_key(tmp_path):
    f = tmp_path / ".compliance.toml"
    f.write_text('fail-on = "error"\ncolour = "red"\n')
    with pytest.raises(ConfigError, match="unknown key 'colour'"):
        load_config(f)
    f.write_text('fail-on = "sometimes"\n')
    with pytest.raises(ConfigError, match="fail-on"):
        load_config(f)


def test_complianceignore_uses_gitignore_syntax(tmp_path):
    (tmp_path / ".complianceignore").write_text("drafts/old/\n*.tmp.md\n!keep.tmp.md\n")
    spec = load_ignore(tmp_path)
    assert is_ignored(spec, str(tmp_path / "drafts/old/a.md"), tmp_path)
    assert is_ignored(spec, str(tmp_path / "x.tmp.md"), tmp_path)
    assert not is_ignored(spec, str(tmp_path / "keep.tmp.md"), tmp_path)
    assert not is_ignored(spec, str(tmp_path / "drafts/new.md"), tmp_path)


def _verdict(doc, text, rule="rohstoff-welt.reproduction-ban", kind="not-allowed"):
    s = doc.text.index(text)
    return Verdict(kind, rule, "error", s, s + len(text), doc.position(s), doc.position(s + len(text)), 3, [])


DRAFT = """# Draft

<!-- compliance: ignore rohstoff-welt.reproduction-ban reason="licensed by contract 2025-17" -->
Copied paragraph one.

Copied paragraph two.

<!-- compliance: ignore needs-attribution reason="credit in the caption" -->
Unrelated paragraph.
"""


def test_inline_suppression_covers_the_next_block_only_and_reports_unused():
    doc = read_text(DRAFT, "d.md")
    one, two = _verdict(doc, "Copied paragraph one."), _verdict(doc, "Copied paragraph two.")
    warnings = apply_suppressions(doc, [one, two])
    assert one.suppressed and "licensed by contract" in one.reasons[-1]
    assert not two.suppressed
    assert len(warnings) == 1 and "line 8" in warnings[0].message and "needs-attribution" in warnings[0].message


def test_suppression_without_reason_is_an_input_error():
    doc = read_text("<!-- compliance: ignore x.y -->\nText.\n", "d.md")
    with pytest.raises(InputError) as info:
        apply_suppressions(doc, [])
    assert str(info.value).startswith("d.md:1:")


def test_baseline_survives_moved_lines_but_not_changed_text(tmp_path):
    doc = read_text("Intro.\n\nCopied  Paragraph one.\n", "d.md")
    v = _verdict(doc, "Copied  Paragraph one.")
    base = tmp_path / "baseline.json"
    write_baseline(base, [{"rule": v.rule, "path": "d.md", "key": verdict_key(v, doc, "d.md")}])
    keys = load_baseline(base)
    moved = read_text("New intro paragraph.\n\nMore.\n\ncopied paragraph ONE.\n", "d.md")
    v2 = _verdict(moved, "copied paragraph ONE.")
    assert apply_baseline(keys, moved, "d.md", [v2]) == 1 and v2.suppressed
    changed = read_text("Copied paragraph two.\n", "d.md")
    v3 = _verdict(changed, "Copied paragraph two.")
    assert apply_baseline(keys, changed, "d.md", [v3]) == 0


def test_bad_baseline_file(tmp_path):
    f = tmp_path / "b.json"
    f.write_text("{not json")
    with pytest.raises(ConfigError, match="invalid JSON"):
        load_baseline(f)
    with pytest.raises(ConfigError, match="not found"):
        load_baseline(Path(tmp_path / "missing.json"))
