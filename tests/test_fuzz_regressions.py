"""Regression tests for the crashes ``bench/fuzz.py`` found, each with its minimal input.

Every input here was shrunk from a fuzzer crash (``bench/.fuzz-crashes/``) and rewritten by hand as the
smallest text that still showed the bug. A crash was an exception other than a one-line ComplianceError,
a hang, or an output that is not strict JSON.
"""

from __future__ import annotations

import json

import pytest

from compliance.audit.records import document_record
from compliance.errors import InputError, RuleError
from compliance.pipeline import load_engine, scan_document
from compliance.readers import iter_path
from compliance.readers.stream import is_error
from compliance.ruleset.loader import load_ruleset


@pytest.fixture(scope="module")
def engine():
    return load_engine(None)


def read(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return list(iter_path(str(path)))


def audit_record(engine, doc) -> dict:
    """The audit's record of ``doc`` as strict JSON (no NaN, no dates, no bytes), read back."""
    result = scan_document(engine, doc)
    record, info = document_record(doc, result.notices, engine.rules.ruleset, engine.publishers)
    json.dumps(info.to_dict(), allow_nan=False)
    return json.loads(json.dumps(record, allow_nan=False))


# --- Markdown front matter: user data must come out as JSON-safe metadata --------------------------


@pytest.mark.parametrize(("front", "title"), [
    ("title: 2024-01-01", "2024-01-01"),  # a YAML date: "Object of type date is not JSON serializable"
    ("title: -.inf", "-inf"),  # a float the JSON encoder writes as -Infinity (not JSON)
    ("title: .nan", "nan"),
    ("title: !!binary aGVsbG8=", "hello"),  # bytes
    ("title: [Kupfer, 2024]", "Kupfer, 2024"),  # a list where every reader gives text
    ("title: 2024", "2024"),
])
def test_front_matter_values_become_json_safe_text(tmp_path, engine, front, title):
    doc = read(tmp_path, "a.md", f"---\n{front}\n---\n\nText.\n".encode())[0]
    assert doc.title == title
    assert audit_record(engine, doc)["title"] == title


def test_front_matter_date_stays_json_safe_in_nested_values(tmp_path, engine):
    doc = read(tmp_path, "a.md", b"---\nmeta: {when: 2024-01-01, n: .inf, tags: !!set {a}}\n---\n\nText.\n")[0]
    assert doc.metadata["meta"] == {"when": "2024-01-01", "n": "inf", "tags": ["a"]}
    json.dumps(doc.metadata, allow_nan=False)


def test_front_matter_url_list_does_not_crash_the_audit_record(tmp_path, engine):
    # was: TypeError: can only concatenate str (not "list") to str (records.host)
    doc = read(tmp_path, "a.md", b"--- \nurl: [x]\n---")[0]
    assert doc.metadata["url"] == "x"
    assert audit_record(engine, doc)["url"] == "x"


def test_front_matter_mapping_for_a_text_field_is_dropped(tmp_path, engine):
    doc = read(tmp_path, "a.md", b"---\npublisher: {a: 1}\n---\n\nText.\n")[0]
    assert "publisher" not in doc.metadata
    audit_record(engine, doc)


def test_front_matter_cannot_mark_a_document_unreadable(tmp_path, engine):
    # was: an ``error:`` key made the document an error record in the audit
    doc = read(tmp_path, "a.md", b"---\r\nerror: boom\ntitle: x\n---\r\n\nText.\n")[0]
    assert not is_error(doc) and "error" not in doc.metadata
    assert audit_record(engine, doc)["error"] is None


def test_front_matter_cannot_replace_the_documents_links(tmp_path):
    doc = read(tmp_path, "a.md", b"---\nlinks: 3\n---\n\nSee [the source](https://example.org/a).\n")[0]
    assert doc.metadata["links"][0]["url"] == "https://example.org/a"
    doc = read(tmp_path, "b.md", b"---\nlinks: 3\n---\n\nNo links.\n")[0]
    assert "links" not in doc.metadata


def test_front_matter_alias_bomb_is_refused_quickly(tmp_path):
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    data = ("---\n" + "\n".join(levels) + "\ntitle: *i\n---\n\nText.\n").encode()
    with pytest.raises(InputError, match="front matter too large"):  # was: 9**9 values for the JSON encoder
        read(tmp_path, "bomb.md", data)


@pytest.mark.parametrize("front", ["title: !!int x", "title: !!float x", "title: !!timestamp 2024-13-45",
                                   "title: !!bool maybe", "title: " + "[" * 600],
                         ids=["int", "float", "timestamp", "bool", "deep"])
def test_front_matter_constructor_errors_are_clean_input_errors(tmp_path, front):
    with pytest.raises(InputError, match="invalid front matter") as info:
        read(tmp_path, "a.md", f"---\n{front}\n---\n\nText.\n".encode())
    assert info.value.line == 2 and "\n" not in str(info.value)


# --- rule packs --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["!!int x", "!!float x", "!!bool maybe", "[" * 600],
                         ids=["int", "float", "bool", "deep"])
def test_rule_pack_constructor_errors_are_rule_errors(tmp_path, value):
    # was: ValueError: invalid literal for int() with base 10: 'x' (out of ruamel's constructor)
    path = tmp_path / "pack.yaml"
    path.write_text(f"macros:\n  a: {value}\n", encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_ruleset([str(path)], builtin=False)
    assert "\n" not in str(info.value)


def test_rule_pack_tags_are_refused_with_their_position(tmp_path):
    path = tmp_path / "pack.yaml"
    path.write_text("pack: x\nmacros:\n  a: !custom v\n", encoding="utf-8")
    with pytest.raises(RuleError, match="YAML tag !custom is not allowed") as info:
        load_ruleset([str(path)], builtin=False)
    assert (info.value.line, info.value.column) == (3, 6)


# --- archives and pages ------------------------------------------------------------------------------


def _warc_response(uri: str, body: bytes) -> bytes:
    block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
    return (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(block)}\r\n\r\n").encode() \
        + block + b"\r\n\r\n"


def test_warc_record_with_an_unparseable_uri_is_read(tmp_path):
    # was: ValueError: Invalid IPv6 URL (signals.is_host_file), which ended the whole archive
    data = _warc_response("http://[::1", b"<p>Erste Seite mit genug Text.</p>") + \
        _warc_response("https://example.org/b", b"<p>Zweite Seite mit genug Text.</p>")
    docs = read(tmp_path, "a.warc", data)
    assert [is_error(d) for d in docs] == [False, False]
    assert "Erste Seite" in docs[0].text and "Zweite Seite" in docs[1].text


def test_page_with_an_unparseable_canonical_link_is_read(tmp_path):
    # was: "cannot read HTML (ValueError: Invalid IPv6 URL)": the link joined to the record's URL
    page = b'<link rel="canonical" href="http://[::1"><p>Der Text der Seite.</p>'
    (doc,) = read(tmp_path, "a.warc", _warc_response("https://example.org/a", page))
    assert not is_error(doc), doc.metadata.get("error")
    assert "Der Text der Seite." in doc.text and doc.metadata["canonical"] == "http://[::1"


def test_html_with_form_feeds_and_vertical_tabs_is_read(tmp_path):
    # was: "cannot read HTML (ValueError: All strings must be XML compatible ...)": lxml refuses such text
    doc = read(tmp_path, "a.html", b"<p>Erster\x0cAbsatz\x0b hier.</p><div>Zweiter</div>")[0]
    assert "Erster Absatz hier." in doc.text and "Zweiter" in doc.text


@pytest.mark.parametrize("odd", ["\x0c", "\x01", "\ufffe", "\uffff", "\ud800", "\udfff"])
def test_characters_xml_forbids_become_spaces_before_lxml_sees_them(odd):
    from compliance.readers.html import xml_safe_utf8

    assert xml_safe_utf8(f"<p>Erster{odd}Absatz 한국 ©</p>") == "<p>Erster Absatz 한국 ©</p>".encode()
    clean = "<p>Hangul 한 (lead byte ED, not a surrogate), tabs\tand\r\nline ends stay</p>"
    assert xml_safe_utf8(clean) == clean.encode()


def test_jsonl_nested_too_deeply_is_an_error_record(tmp_path):
    # was: RecursionError out of json.loads, an "internal error" for the whole file
    docs = read(tmp_path, "a.jsonl", b"[" * 5000 + b"\n" + b'{"text": "Noch ein Text."}\n')
    assert is_error(docs[0]) and "nested too deeply" in docs[0].metadata["error"]
    assert docs[1].text == "Noch ein Text."


# --- notices on CRLF text ----------------------------------------------------------------------------


def test_notice_at_a_crlf_line_end_does_not_take_the_cr(tmp_path, engine):
    # was: text '© 2024 Erzkurier.de\r' and an end column one too far
    doc = read(tmp_path, "a.txt", "© 2024 Erzkurier.de\r\nWeiter.\r\n".encode())[0]
    (notice,) = scan_document(engine, doc).notices
    assert notice.text == "© 2024 Erzkurier.de"
    assert (notice.end.line, notice.end.column) == (1, 20)


def test_rule_pattern_with_a_conflicting_version_flag_is_a_rule_error(tmp_path):
    # was: KeyError: regex.V0|V1 out of regex.compile (an inline (?V1) in a pattern compiled as V0)
    path = tmp_path / "pack.yaml"
    path.write_text("rules:\n- id: x.y\n  kind: copyright\n  languages: [de]\n  keywords: [a]\n  message: m\n"
                    "  patterns: ['a(?V1)b']\n", encoding="utf-8")
    with pytest.raises(RuleError, match="pattern does not compile") as info:
        load_ruleset([str(path)], builtin=False)
    assert info.value.line == 7


# --- text that UTF-8 output cannot hold ----------------------------------------------------------------


def test_jsonl_lone_surrogates_and_nan_become_writable_text(tmp_path, engine):
    # was: UnicodeEncodeError ('surrogates not allowed') in `corpus add` and the audit's record file
    from compliance.reuse.prepare import prepare_document

    line = b'{"text": "ok \\ud800 weiter", "title": "T\\udfff", "score": NaN, "k\\ud801": "v"}\n'
    (doc,) = read(tmp_path, "a.jsonl", line)
    assert doc.text == "ok \ufffd weiter" and doc.metadata["title"] == "T\ufffd"
    assert doc.metadata["fields"] == {"score": None, "k\ufffd": "v"}
    json.dumps(audit_record(engine, doc), ensure_ascii=False).encode("utf-8")
    prepare_document(doc, engine, doc.path, doc.path)


def test_front_matter_lone_surrogates_become_writable_text(tmp_path, engine):
    doc = read(tmp_path, "a.md", b'---\ntitle: "\\ud800 x"\n"\\udfff": 1\n---\n\nText.\n')[0]
    assert doc.metadata == {"title": "\ufffd x", "\ufffd": 1}
    json.dumps(audit_record(engine, doc), ensure_ascii=False).encode("utf-8")


def test_an_unreadable_record_is_a_warning_not_silently_no_notices(cli, tmp_path):
    # was: `notices` printed "dump.jsonl#2: no notices" for a line it could not read, exit 0, nothing else
    path = tmp_path / "dump.jsonl"
    path.write_bytes(b'{"text": "(c) 2024 Foo GmbH"}\n{bad json\n')
    run = cli("notices", str(path), "-f", "json")
    files = json.loads(run.out)["files"]
    assert [f["record"] for f in files] == [1, 2] and files[0]["notices"] and not files[0]["warnings"]
    assert files[1]["warnings"][0]["message"].startswith("record 2 not read: invalid JSON")


@pytest.mark.timeout(60)  # the backtracking pattern took minutes on this line (5 s on 4,000 backticks)
def test_markdown_line_of_backticks_is_read_in_linear_time(tmp_path):
    (doc,) = read(tmp_path, "a.md", b"Vorher " + b"`" * 13_000 + b" nachher, `Code` und ``a ` b``.\n")
    assert doc.plain.startswith("Vorher ```") and doc.plain.endswith("nachher, Code und a ` b.")


def test_markdown_code_spans_pair_runs_of_equal_length():
    from compliance.readers.markdown import parse_markdown

    assert parse_markdown("a `b``c` d\n", "x.md").plain == "a b``c d"  # CommonMark: runs of equal length
    assert parse_markdown("```x`` y\n", "x.md").plain == "```x`` y"  # no closing run of three: literal
