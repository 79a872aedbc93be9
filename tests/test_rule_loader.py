"""Rule packs: invalid files are one-line `path:line:col` errors; runaway user patterns time out."""

from __future__ import annotations

import json

from compliance.ruleset import load_ruleset

GOOD_RULE = """\
rules:
  - id: test.ok
    kind: copyright
    languages: [en]
    keywords: [acme]
    patterns: ['Acme (?P<holder>Corp)']
    message: Acme.
"""


def write(tmp_path, text: str):
    d = tmp_path / "pack"
    d.mkdir(exist_ok=True)
    (d / "p.yaml").write_text(text)
    return d


def error_line(cli, rules_dir, seed) -> str:
    run = cli("notices", "--rules", rules_dir, seed)
    assert run.code == 2, (run.out, run.err)
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.err
    return lines[0]


def test_malformed_yaml(cli, tmp_path):
    from tests.conftest import SEED

    d = write(tmp_path, "rules:\n  - id: x\n    kind: [unclosed\n")
    line = error_line(cli, d, SEED)
    assert f"{d / 'p.yaml'}:" in line


def test_unknown_key_names_line_and_column(cli, tmp_path):
    from tests.conftest import SEED

    d = write(tmp_path, GOOD_RULE + "    colour: red\n")
    line = error_line(cli, d, SEED)
    assert f"{d / 'p.yaml'}:8:5:" in line and "unknown key 'colour'" in line


def test_duplicate_key(cli, tmp_path):
    from tests.conftest import SEED

    d = write(tmp_path, GOOD_RULE + "    message: again\n")
    line = error_line(cli, d, SEED)
    assert f"{d / 'p.yaml'}:8" in line and "duplicate" in line.lower()


def test_pattern_that_does_not_compile(cli, tmp_path):
    from tests.conftest import SEED

    d = write(tmp_path, GOOD_RULE.replace("'Acme (?P<holder>Corp)'", "'Acme (unclosed'"))
    line = error_line(cli, d, SEED)
    assert f"{d / 'p.yaml'}:6:16:" in line and "does not compile" in line


def test_unknown_group_and_kind(cli, tmp_path):
    from tests.conftest import SEED

    d = write(tmp_path, GOOD_RULE.replace("(?P<holder>Corp)", "(?P<owner>Corp)"))
    assert "unknown named group" in error_line(cli, d, SEED)
    d = write(tmp_path, GOOD_RULE.replace("kind: copyright", "kind: trademark"))
    assert "p.yaml:3:" in error_line(cli, d, SEED)


def test_user_rules_are_added_to_builtins(tmp_path):
    d = write(tmp_path, GOOD_RULE)
    builtin = load_ruleset()
    both = load_ruleset([str(d)])
    assert len(both) == len(builtin) + 1
    assert "test.ok" in both.by_id


def test_catastrophic_user_rule_times_out_with_a_warning_and_the_scan_goes_on(cli, tmp_path):
    slow = GOOD_RULE.replace("test.ok", "test.slow").replace("keywords: [acme]", "keywords: [aaaa]").replace(
        "'Acme (?P<holder>Corp)'", "'(?:a|aa)+b'").replace("rules:\n", "")
    d = write(tmp_path, GOOD_RULE + slow)
    doc = tmp_path / "doc.txt"
    doc.write_text("a" * 80 + "\n\nCopyright Acme Corp\n")
    run = cli("notices", "--format", "json", "--rules", d, doc)
    assert run.code == 0, run.err
    data = json.loads(run.out)["files"][0]
    assert any(w["rule"] == "test.slow" and "timed out" in w["message"] for w in data["warnings"])
    assert any(n["rule"] == "test.ok" and n["holder"] == "Corp" for n in data["notices"])  # the scan went on
