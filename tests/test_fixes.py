"""Suggested fixes (issue 15): ``check --fix``, ``--unsafe-fixes`` and ``--diff`` on the showcase draft against
the fixture corpus (indexed with ``compliance corpus add``), fix objects in JSON/SARIF/Markdown/text/HTML, bytes
outside the fixes kept (CRLF, Latin-1), and the text a fix writes (rules, trimming, attribution)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, ROOT, SEED

CORPUS = ROOT / "fixtures" / "corpus"
SHOWCASE = ROOT / "fixtures" / "drafts" / "showcase.md"
SARIF_SCHEMA = DATA / "schemas" / "sarif-schema-2.1.0.json"
OUTPUT_SCHEMA = ROOT / "tests" / "schemas" / "compliance-output.schema.json"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A directory whose .compliance/corpus.sqlite holds the fixture corpus, built by the real command."""
    root = tmp_path_factory.mktemp("fixproject")
    done = subprocess.run([sys.executable, "-m", "compliance", "corpus", "add", str(CORPUS)], cwd=root,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def run(cli, project, tmp_path, monkeypatch):
    """``check`` in a copy-friendly working directory that finds the project's index."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    index = project / ".compliance" / "corpus.sqlite"

    def check(*args: str):
        return cli("check", *args, "--index", str(index))

    return check


def draft(tmp_path: Path, data: bytes | None = None, name: str = "showcase.md") -> Path:
    path = tmp_path / name
    path.write_bytes(SHOWCASE.read_bytes() if data is None else data)
    return path


def verdicts(run, path: Path) -> list[dict]:
    res = run(str(path), "--format", "json")
    assert res.code in (0, 1), res.err
    return [v for f in json.loads(res.out)["files"] for v in f["verdicts"]]


def test_every_remedy_has_a_fix_in_the_json(run, tmp_path):
    import jsonschema

    path = draft(tmp_path)
    res = run(str(path), "--format", "json")
    report = json.loads(res.out)
    jsonschema.validate(report, json.loads(OUTPUT_SCHEMA.read_text(encoding="utf-8")))
    by_verdict = {}
    for v in report["files"][0]["verdicts"]:
        by_verdict.setdefault(v["verdict"], []).append(v)
        if v["verdict"] == "ok":
            assert v["fix"] is None
        else:
            assert v["fix"] is not None, v
    text = path.read_text(encoding="utf-8")
    quote = by_verdict["needs-quotation-marks"][0]
    start, end = quote["draft_offset"]
    assert quote["fix"] == {"kind": "quote", "safe": True, "message": "put the passage in quotation marks",
                            "replacements": [{"start": start, "end": end, "text": f"„{text[start:end]}“"}]}
    attribution = by_verdict["needs-attribution"][0]["fix"]
    assert attribution["safe"] and attribution["kind"] == "attribute"
    line = attribution["replacements"][0]["text"]
    assert "OpenWire Collective" in line and "CC BY 4.0" in line
    assert "https://creativecommons.org/licenses/by/4.0/" in line  # TASL: the licence with its deed
    assert "Harbour city tests floating solar panels" in line  # ... and the title
    kinds = {v["verdict"]: v["fix"]["kind"] for v in report["files"][0]["verdicts"] if v["fix"]}
    assert kinds["exceeds-quote-limit"] == "trim"
    assert kinds["pasted-notice"] == "remove-notice"
    assert {v["fix"]["kind"] for v in by_verdict["not-allowed"]} == {"trim", "restore"}
    assert all(not v["fix"]["safe"] for v in by_verdict["not-allowed"])


def test_fix_leaves_no_quotation_or_attribution_verdict(run, tmp_path):
    path = draft(tmp_path)
    res = run(str(path), "--fix")
    assert res.code == 1  # the unsafe ones (trim, restore, remove) are left: errors remain
    assert "fixed 2 findings in 1 file; 4 more with --unsafe-fixes" in res.err
    left = {v["verdict"] for v in verdicts(run, path)}
    assert not left & {"needs-quotation-marks", "needs-attribution"}
    assert "not-allowed" in left  # unsafe fixes were not applied


def test_unsafe_fixes_make_the_showcase_pass(run, tmp_path):
    path = draft(tmp_path)
    assert run(str(path), "--fix", "--unsafe-fixes").code == 0
    res = run(str(path))
    assert res.code == 0, res.out
    found = verdicts(run, path)
    assert found and {v["verdict"] for v in found} == {"ok"}
    text = path.read_text(encoding="utf-8")
    moor = (CORPUS / "klimablog-moore.md").read_text(encoding="utf-8")
    restored = "wo zuvor Mais für Biogasanlagen wuchs. Eine Arbeitsgruppe der Universität Oldenburg hat nun"
    assert restored in moor and restored in text  # the CC BY-ND passage has the source's wording again
    assert "Nachdruck und Weiterverbreitung" not in text  # the pasted notice is gone
    assert "Zitiert aus: Erzkurier.de, https://www.erzkurier.de/news/4711--Lithiumpreise-ziehen-wieder-an.html" in text
    assert "[…]“" in text  # trimmed quotations mark the omission inside the quotation marks


def test_fix_twice_changes_nothing_the_second_time(run, tmp_path):
    for flags in (("--fix",), ("--fix", "--unsafe-fixes")):
        path = draft(tmp_path, name=f"twice{len(flags)}.md")
        run(str(path), *flags)
        once = path.read_bytes()
        assert once != SHOWCASE.read_bytes()
        res = run(str(path), *flags)
        assert path.read_bytes() == once
        assert "fixed 0 findings in 0 files" in res.err


def test_diff_changes_nothing_and_exits_as_the_fixed_draft(run, tmp_path):
    path = draft(tmp_path)
    res = run(str(path), "--diff")
    assert path.read_bytes() == SHOWCASE.read_bytes()
    assert res.out.startswith(f"--- a/{path}\n+++ b/{path}\n")
    assert "+Aus Frankreich meldet Le Petit Courrier: „Dans les coteaux" in res.out
    assert "would fix 2 findings in 1 file" in res.err
    unsafe = run(str(path), "--diff", "--unsafe-fixes")
    assert path.read_bytes() == SHOWCASE.read_bytes()
    assert "-Nachdruck und Weiterverbreitung" in unsafe.out
    assert res.code == 1 and unsafe.code == 0  # what a check of the fixed text gives


def test_unsafe_fixes_alone_is_a_usage_error(run, tmp_path):
    path = draft(tmp_path)
    res = run(str(path), "--unsafe-fixes")
    assert res.code == 2 and "--unsafe-fixes" in res.err and "--fix" in res.err
    assert path.read_bytes() == SHOWCASE.read_bytes()


def test_crlf_draft_keeps_its_line_endings_and_bytes(run, tmp_path):
    original = SHOWCASE.read_bytes().replace(b"\n", b"\r\n")
    path = draft(tmp_path, original, "crlf.md")
    fixes = [v["fix"] for v in verdicts(run, path) if v["fix"] and v["fix"]["safe"]]
    assert run(str(path), "--fix").code == 1
    fixed = path.read_bytes()
    assert b"\n" not in fixed.replace(b"\r\n", b"")  # no bare LF was written
    text = original.decode("utf-8")
    # every character outside the replacements is there, byte for byte, in order
    expected, pos = [], 0
    for r in sorted((r for f in fixes for r in f["replacements"]), key=lambda r: r["start"]):
        expected += [text[pos:r["start"]].encode("utf-8"), r["text"].encode("utf-8")]
        pos = r["end"]
    expected.append(text[pos:].encode("utf-8"))
    assert fixed == b"".join(expected)
    assert fixed.count(b"\r\n") == original.count(b"\r\n") + 2  # the attribution paragraph's two line ends


def test_latin1_draft_stays_latin1(run, tmp_path):
    text = SHOWCASE.read_text(encoding="utf-8").replace("„", '"').replace("“", '"')
    original = text.encode("latin-1")
    path = draft(tmp_path, original, "latin1.md")
    assert run(str(path), "--fix").code == 1
    fixed = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        fixed.decode("utf-8")
    decoded = fixed.decode("latin-1")
    assert not any("\x80" <= ch <= "\x9f" for ch in decoded)  # no code-page-only bytes in an ISO-8859 file
    assert 'Aus Frankreich meldet Le Petit Courrier: "Dans les coteaux' in decoded  # „“ fell back to "
    assert "OpenWire Collective, Lizenz: CC BY 4.0" in decoded
    first = original.index("Dans les coteaux".encode("latin-1"))
    assert fixed[:first] == original[:first]  # everything before the first fix, byte for byte
    left = {v["verdict"] for v in verdicts(run, path)}
    assert not left & {"needs-quotation-marks", "needs-attribution"}


def test_sarif_fixes_validate(run, tmp_path):
    import jsonschema

    path = draft(tmp_path)
    log = json.loads(run(str(path), "--format", "sarif").out)
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    results = log["runs"][0]["results"]
    with_fixes = [r for r in results if "fixes" in r]
    assert len(with_fixes) == 6
    quote = next(r for r in with_fixes if r["properties"]["verdict"] == "needs-quotation-marks")
    change = quote["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"] == quote["locations"][0]["physicalLocation"]["artifactLocation"]
    region = change["replacements"][0]["deletedRegion"]
    location = quote["locations"][0]["physicalLocation"]["region"]
    assert (region["charOffset"], region["charLength"]) == (location["charOffset"], location["charLength"])
    assert change["replacements"][0]["insertedContent"]["text"].startswith("„Dans les coteaux")
    assert quote["fixes"][0]["properties"] == {"kind": "quote", "safe": True}


def test_markdown_suggestions_and_proposed_text_in_text_and_html(run, tmp_path):
    from conftest import Collector

    path = draft(tmp_path)
    markdown = run(str(path), "--format", "markdown").out
    block = markdown.split("```suggestion\n", 1)[1].split("\n```", 1)[0]
    assert block.startswith("„Nach mehr als zwei Jahren")  # the Erzkurier paragraph, trimmed (unsafe)
    assert "Aus Frankreich meldet Le Petit Courrier: „Dans les coteaux" in markdown
    assert "**Safe fix:** put the passage in quotation marks" in markdown
    text = run(str(path), "--format", "text").out
    assert "✎ safe fix: put the passage in quotation marks (line 20 becomes:)" in text
    html = run(str(path), "--format", "html").out
    collector = Collector()
    collector.feed(html)
    assert any("„Dans les coteaux" in t for t in collector.text)


def test_html_draft_fix_reported_not_applied(run, tmp_path):
    body = SHOWCASE.read_text(encoding="utf-8").split("---\n", 2)[2]
    page = "<html><body>" + "".join(f"<p>{p}</p>" for p in body.split("\n\n") if p and not p.startswith("#"))
    path = draft(tmp_path, (page + "</body></html>").encode("utf-8"), "page.html")
    before = path.read_bytes()
    res = run(str(path), "--fix")
    assert path.read_bytes() == before
    assert "not fixed (html drafts: fixes are reported, not applied)" in res.err


def test_seed_attribution_names_rohstoff_welt_and_its_url(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(SEED, tmp_path / "seed.md")
    assert cli("corpus", "add", "seed.md").code == 0
    words = SEED.read_text(encoding="utf-8").split("Japan erwägt", 1)[1].split()[:25]
    path = tmp_path / "draft.md"
    path.write_text(f"# Notiz\n\nDie Lage: „Japan erwägt {' '.join(words)}“ Mehr nicht.\n", encoding="utf-8")
    report = json.loads(cli("check", str(path), "--format", "json").out)
    fix = next(v["fix"] for v in report["files"][0]["verdicts"] if v["verdict"] == "needs-attribution")
    line = fix["replacements"][0]["text"].strip()
    assert line == ("Zitiert aus: Rohstoff-Welt.de, https://www.rohstoff-welt.de/news/694003--Japan-schlaegt-"
                    "den-USA-Zusammenarbeit-bei-seltenen-Erden-vor.html")
    assert cli("check", str(path), "--fix").code == 0
    assert line in path.read_text(encoding="utf-8")


def test_quotation_marks_come_from_the_rules(run, tmp_path):
    pack = tmp_path / "marks.yaml"
    # only German marks and attribution change: the German common words stay those of the shipped pack
    pack.write_text("fixes:\n  languages:\n    de:\n      quotation_marks: {open: '»', close: '«'}\n"
                    "      attribution: {quote: 'Nach {publisher}', license: 'Nach {publisher} ({license})'}\n",
                    encoding="utf-8")
    path = draft(tmp_path)
    found = json.loads(run(str(path), "--format", "json", "--rules", str(pack)).out)["files"][0]["verdicts"]
    quote = next(v["fix"] for v in found if v["verdict"] == "needs-quotation-marks")
    assert quote["replacements"][0]["text"].startswith("»Dans les coteaux") and \
        quote["replacements"][0]["text"].endswith("Grèce.«")
    line = next(v["fix"] for v in found if v["verdict"] == "needs-attribution")["replacements"][0]["text"]
    assert line.strip() == "Nach OpenWire Collective (CC BY 4.0)"


def test_fill_leaves_out_parts_with_an_empty_field():
    from compliance.policy.fixtext import fill

    template = "[„{title}“][ von {author}], {publisher}[, {url}], Lizenz: {license}[ ({deed})]"
    assert fill(template, {"title": "T", "author": None, "publisher": "P", "url": "", "license": "CC BY 4.0",
                           "deed": "https://d/"}) == "„T“, P, Lizenz: CC BY 4.0 (https://d/)"
    assert fill("Zitiert aus: {publisher}[, {url}]", {"publisher": "dpa"}) == "Zitiert aus: dpa"


def test_cc_names_and_deeds_from_the_rules():
    from compliance.policy.fixtext import license_name_and_deed
    from compliance.ruleset.loader import load_ruleset

    ruleset = load_ruleset().ruleset
    assert license_name_and_deed("CC-BY-ND-4.0", None, ruleset) == (
        "CC BY-ND 4.0", "https://creativecommons.org/licenses/by-nd/4.0/")
    assert license_name_and_deed("CC-BY-NC-SA-3.0-DE", None, ruleset) == (
        "CC BY-NC-SA 3.0 DE", "https://creativecommons.org/licenses/by-nc-sa/3.0/de/")
    name, deed = license_name_and_deed("DL-DE-BY-2.0", None, ruleset)  # a named licence: its family's link
    assert name == "DL-DE-BY-2.0" and deed


def test_trim_keeps_the_sentence_the_draft_refers_to():
    from compliance.policy.fixtext import trim_to_words

    text = ("Der Hafen meldet einen neuen Rekord beim Umschlag. Die Werft entlässt zweihundert Beschäftigte "
            "im Frühjahr. Der Streik der Lotsen legte den Verkehr zwei Tage lahm.")
    out = trim_to_words(text, 18, "[…]", "Zum Lotsenstreik schreibt die Zeitung:", {"der", "die", "den"})
    assert out == ("Der Hafen meldet einen neuen Rekord beim Umschlag. […] Der Streik der Lotsen legte den "
                   "Verkehr zwei Tage lahm.")
    # one sentence longer than the limit: cut at a clause, the omission marked
    long = "Die Werft, die seit hundert Jahren Schiffe baut, entlässt zweihundert Beschäftigte im Frühjahr."
    assert trim_to_words(long, 6, "[…]", "", set()) == "Die Werft, […]"
    assert trim_to_words(long, 1, "[…]", "", set()) == "Die […]"  # no clause fits: leading words
    assert trim_to_words(text, 100, "[…]", "", set()) == text


def test_draft_language_from_metadata_or_common_words():
    from compliance.policy.fixes import draft_language
    from compliance.readers import read_text
    from compliance.ruleset.loader import load_ruleset

    rules = load_ruleset().ruleset.fixes
    assert draft_language(read_text("The council said that the plan was ready for the vote.", "a.md"), rules) == "en"
    assert draft_language(read_text("Der Rat sagt, dass der Plan für die Abstimmung bereit ist.", "a.md"),
                          rules) == "de"
    assert draft_language(read_text("---\nlanguage: fr-FR\n---\n\nThe council said.", "a.md"), rules) == "fr"


def test_splice_keeps_a_bom_and_refuses_a_changed_file():
    import codecs

    from compliance.safe_write import splice

    data = codecs.BOM_UTF8 + "a „b“\r\nc\r\n".encode()
    text = "a „b“\r\nc\r\n"
    assert splice(data, text, [(8, 8, "x")], {}) == codecs.BOM_UTF8 + "a „b“\r\ncx\r\n".encode()
    with pytest.raises(ValueError, match="changed"):
        splice(data, "a b\nc\n", [(0, 1, "z")], {})
    text = "Schöne Grüße aus München, sagte der Bürgermeister.\n"  # long enough to be detected as 8-bit
    latin = text.encode("latin-1")
    fixed = splice(latin, text, [(0, 0, "„"), (50, 50, "“")], {"„": '"', "“": '"'})
    assert fixed == b'"' + latin[:-1] + b'"\n'
    with pytest.raises(ValueError, match="cannot be written"):
        splice(latin, text, [(0, 0, "„")], {})


def test_pasted_credit_line_is_advice_not_removed():
    from compliance.findings import Notice, Verdict
    from compliance.policy.fixes import propose_fixes
    from compliance.readers import read_text
    from compliance.ruleset.loader import load_ruleset

    doc = read_text("Der Rat tagt am Montag.\n\nQuelle: dpa\n", "a.md")
    pos = doc.position(25)
    notice = Notice("agency-credit", "common.agency-credit.label", "Quelle: dpa", 25, 36, pos, pos, publisher="dpa")
    verdict = Verdict("pasted-notice", notice.rule, "warning", 25, 36, pos, pos, 2, notice=notice)
    propose_fixes(doc, [verdict], {}, load_ruleset().ruleset)
    assert verdict.fix is not None and verdict.fix.kind == "advice" and not verdict.fix.replacements
    assert "credit of a quotation from dpa" in verdict.fix.message
