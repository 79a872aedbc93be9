"""Fuzz the readers (Markdown, HTML, WARC, JSONL) and the rule loader for a bounded time; report crashes.

Inputs come from hypothesis strategies driven by random buffers (``fuzz_one_input``): structured
generators that assemble documents from the tokens each format is made of (Markdown syntax, HTML tags and
entities, WARC/HTTP header lines with right and wrong lengths and digests, JSON values, rule-pack keys,
regex pieces and YAML tags), plus mutations (bit flips, deletions, duplications, splices, truncated gzip)
of seed documents: the project's own fixtures, and for HTML/JSONL real pages from ``../shared/data``.

Each input is written to a temporary file and read the way the CLI reads it (``iter_path``; for rules
``load_ruleset``), then checked:

* a **crash** is any exception that is not a ``ComplianceError`` (the one-line user errors), an input
  that takes longer than ``--budget`` seconds (a hang), or a broken invariant: a block or notice outside
  the text, a notice whose ``text`` is not the slice at its offsets or whose line/column is wrong, a
  plain-view run that is not a copy of the text, an offset map that leaves the text, an audit record or
  JSON result that is not strict JSON;
* **masked** counts internal errors that a reader already turned into a clean error (the HTML reader and
  the audit wrap unexpected exceptions): not crashes, but worth a look.

Every crashing input is saved under ``bench/.fuzz-crashes/`` (git-ignored) with its traceback, then
shrunk (chunk deletion while the same crash reproduces) into a ``-min`` file for a regression test.

    python bench/fuzz.py --seconds 60                 # every target for 60 s each
    python bench/fuzz.py --seconds 10 --target html --target rules
    python bench/fuzz.py --replay bench/.fuzz-crashes/markdown-*.md

Runs are repeatable: the same ``--seed`` gives the same inputs (in the same order; how many fit in the
time depends on the machine).
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import io
import json
import os
import random
import signal
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT / ".." / "shared" / "data"
CRASH_DIR = ROOT / "bench" / ".fuzz-crashes"

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from compliance.errors import ComplianceError  # noqa: E402

warnings.filterwarnings("ignore")

# --- tokens ------------------------------------------------------------------------------------------

TEXT_TOKENS = [
    "word ", "Wort ", "Die Preise steigen. ", "© 2024 Foo GmbH", "(c) ", "Copyright ", "Alle Rechte vorbehalten.",
    "All rights reserved.", "Nachdruck verboten", "Nachdruck nur mit Genehmigung", "dpa", "(dpa) ", "Reuters",
    "AFP/Reuters", "CC BY-SA 4.0", "Creative Commons", "https://example.org/a?b=c", "mailto:x@example.org",
    "Quelle: ", "Foto: ", "Text and data mining reserved", "\n", "\r\n", "\r", "\n\n", " ", "  ", "\t",
    "\u00a0", "\u00ad", "\u200b", "\u200d", "\ufeff", "\u2028", "\u2029", "\u0085", "\u0301", "e\u0301",
    "a\u0308", "ß", "ẞ", "Ä", "İ", "ı", "ﬁ", "Ａ", "😀", "👩\u200d👩\u200d👧", "\u202e", "\u200f", "שלום ",
    "مرحبا ", "\x00", "\x0b", "\x0c", "\x1c", "\x7f", "\ud800", "\udfff", "\ufdd0", "\uffff", "„", "“", "«", "»",
    '"', "'", "’", "-", "–", "—", "…", "&amp;", "&#0;", "&#x110000;", "&nbsp;", "<", ">", "&", "%", "{", "}",
]
MD_TOKENS = [
    "# ", "## ", "###### ", "####### ", "> ", "> > ", ">", "- ", "* ", "+ ", "1. ", "1) ", "```\n", "```py\n",
    "~~~\n", "    ", "---\n", "***\n", "===\n", "| a | b |\n|---|---|\n| c | d |\n", "|", "[", "]", "(", ")",
    "![", "[x](http://a.b)", "[x](<a b>)", "[x][y]", "[y]: http://a.b\n", "<div>", "</div>", "<!--", "-->",
    "<br/>", "`", "``", "*", "**", "_", "__", "~~", "\\", "\\\n", "<https://a.b>", "<a@b.c>", "<?php ?>",
    "<![CDATA[", "]]>", "<script>", "</script>", "- [ ] ", "\n- a\n  - b\n", "\n1. a\n\n   b\n",
]
FRONT_MATTER_LINES = [
    "title: x\n", "title: 2024-01-01\n", "date: 2024-01-01\n", "date: 2024-01-01T10:00:00Z\n", "title: [a, b]\n",
    "links: 3\n", "links: [1, 2]\n", "publisher: {a: 1}\n", "title: .nan\n", "title: -.inf\n", "title: 1e400\n",
    "a: &a [1, 2]\nb: [*a, *a]\n", "x: !!binary aGVsbG8=\n", "x: !!python/object/apply:os.system [echo]\n",
    "key: 'unterminated\n", ": :\n", "\t- bad\n", "? complex\n: key\n", "title: !!set {a, b}\n", "author: ~\n",
    "- list\n", "title: |\n  block\n", "x: *undefined\n", "title: !custom v\n", "source: 12\n", "url: [x]\n",
    "main_end: 99999\n", "error: boom\n", "fields: 1\n", "title: \"\\ud800\"\n", "&a x: *a\n",
]
HTML_TOKENS = [
    "<!DOCTYPE html>", "<html>", '<html lang="de">', "</html>", "<head>", "</head>", '<meta charset="utf-8">',
    '<meta charset="bogus">', '<meta charset="utf-16">', '<meta charset="iso-8859-1">',
    '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">', "<title>", "</title>",
    '<meta name="robots" content="noai, noimageai">', '<meta name="tdm-reservation" content="1">',
    '<meta name="tdm-policy" content="https://example.org/p">', '<meta property="og:title" content="T">',
    '<meta name="author" content="">', '<meta property="og:site_name" content="Site">',
    '<link rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">',
    '<link rel="canonical" href="javascript:alert(1)">', '<link rel="canonical" href="http://[::1">',
    '<a rel="license" href="//creativecommons.org/licenses/by/3.0/de/">', '<script type="application/ld+json">',
    '{"@type":"NewsArticle","headline":"H","author":{"name":"A"},"license":"https://creativecommons.org/licenses/by/4.0/"}',
    '[{"@graph":[{"@type":["Article"],"copyrightHolder":{"name":5}}]}]', '{"@type": 5, "author": [null, 1]}',
    '{"isAccessibleForFree": "False"}', "{", "</script>", "<script>", "alert(1)", "<style>", "p{}", "</style>",
    "<body>", "</body>", "<article>", "</article>", "<main>", "</main>", "<p>", "</p>", "<div>", "</div>",
    '<div class="cookie-banner">', '<div id="comments">', '<div style="display:none">', "<div hidden>",
    "<footer>", "</footer>", "<nav>", "</nav>", "<aside>", "</aside>", "<h1>", "</h1>", "<h2>", "</h2>",
    "<blockquote>", "</blockquote>", "<ul><li>", "</li></ul>", "<table><tr><td>", "</td></tr></table>", "<th>",
    "<pre>", "</pre>", "<code>", "<br>", "<hr>", "<img src=x onerror=alert(1)>", '<a href="https://example.org">',
    '<a href="javascript:alert(1)">', "</a>", "<!--", "-->", "<![CDATA[", "]]>",
    '<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="bogus"?>', "<svg>", "</svg>",
    "<math>", "<template>", "<noscript>", "<iframe>", "<frameset>", "<plaintext>", "<xmp>", "<textarea>",
    "</textarea>", "<select><option>", "&bogus;", "&#xD800;", "</", "<p", "=", "<p class=", "<b><i></b></i>",
]
JSON_GARBAGE = [
    b"{", b"[]", b"null", b"1e999999", b"[" * 5000, b'{"text": "\\ud800"}', b'{"text": "a\\u0000b"}', b"NaN",
    b'{"text": NaN}', b'{"text":"x","text":5}', b"\xff\xfe{}", b'\xef\xbb\xbf{"text": "bom"}', b'{"text": "x"',
    b'{"text": "x"}}', b'{"text": ["a"]}', b'{"text": {"a": 1}}', b'{"text": 1e400}', b'"just a string"',
    b'{"content": {"body": "nested"}}', b'{"text": "' + b"a" * 70000 + b'"}', b'{"text": "x", "url": 5}',
    b'{"text": "x", "title": ["t"]}', b'{"text": "\xff"}', b'{"text": "\\u2028 \\u0085"}', b"\x00\x00",
]
REGEX_PIECES = [
    "(", ")", "(?P<holder>", "(?P<years>", "(?P<url>", "(?P<license>", "(?P<publisher>", "(?P<foo>", "(?:",
    "{{publishers}}", "{{agencies}}", "{{x}}", "{{ m }}", "[", "]", "[^", "\\", "\\\\", "*", "+", "?", "*?",
    "{2,3}", "{,9999999}", "\\p{L}", "\\p{Bogus}", "(?i)", "(?-i)", "(?<=", "(?<!", "(?=", "\\b", "\\B", "|",
    "©", "copyright", "\\d{4}", "(?R)", "(?(1)a|b)", "\\N{COPYRIGHT SIGN}", "\\N{bogus}", "(?V1)", "\\G", "\\K",
    ".", "^", "$", "\\s+", "a", "rechte", " ", "(?|a|b)", "\\1", "(?P=holder)", "[[:alpha:]]", "(?x)", "#",
    "\\L<words>", "(?>", "a++", "(a*)*b", "\\X", "(?e)", "\\Q",
]
RULE_KEYS = ["id", "kind", "languages", "keywords", "patterns", "message", "severity", "case_sensitive",
             "publisher", "role", "links", "permissions", "examples", "bogus"]
KINDS = ["reproduction-ban", "copyright", "all-rights-reserved", "license", "tdm-reservation", "agency-credit",
         "attribution", "disclaimer", "bogus", ""]
YAML_TAGS = ["!!python/object/apply:os.system [echo]", "!!python/name:os.system", "!!python/object:x {}",
             "!!binary aGVsbG8=", "!!set {a}", "!!omap [{a: 1}]", "!custom x", "!!str 5", "!!int x", "!!float .nan",
             "!!timestamp 2024-01-01", "&anchor x", "*anchor", "*undefined", "<<: {a: 1}", "? x", "|-\n  x"]


# --- generic strategies --------------------------------------------------------------------------------


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if encoding.startswith("utf-8"):
        return text.encode("utf-8", "surrogatepass")
    return text.encode(encoding, errors="replace")


ENCODINGS = ["utf-8"] * 8 + ["utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1252"]


@st.composite
def token_text(draw: Any, tokens: list[str], max_parts: int = 80) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(tokens), st.text(max_size=6)), max_size=max_parts))
    if parts and draw(st.integers(0, 9)) == 0:  # one token repeated into a long line or a deep nest
        i = draw(st.integers(0, len(parts) - 1))
        parts[i] = parts[i] * draw(st.integers(2, 20000 // max(1, len(parts[i]))))
    return "".join(parts)


@st.composite
def encoded(draw: Any, text_strategy: Any) -> bytes:
    data = _encode(draw(text_strategy), draw(st.sampled_from(ENCODINGS)))
    if data and draw(st.integers(0, 7)) == 0:  # raw bytes spliced in
        pos = draw(st.integers(0, len(data)))
        data = data[:pos] + draw(st.binary(max_size=16)) + data[pos:]
    return data


@st.composite
def mutated(draw: Any, seeds: list[bytes], tokens: list[str]) -> bytes:
    """A seed with 1-8 byte-level mutations: flips, deletions, duplications, insertions, splices, cuts."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(("flip", "delete", "dup", "insert", "token", "splice", "cut")))
        n = len(data)
        a = draw(st.integers(0, n))
        b = min(n, a + draw(st.integers(0, 256)))
        if op == "flip" and n:
            i = min(a, n - 1)
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete":
            del data[a:b]
        elif op == "dup":
            data[a:a] = data[a:b] * draw(st.integers(1, 4))
        elif op == "insert":
            data[a:a] = draw(st.binary(min_size=1, max_size=8))
        elif op == "token":
            data[a:a] = _encode(draw(st.sampled_from(tokens)), "utf-8")
        elif op == "splice":
            other = draw(st.sampled_from(seeds))
            c = draw(st.integers(0, len(other)))
            data[a:] = other[c:c + draw(st.integers(0, 4096))]
        elif op == "cut":
            del data[a:]
    return bytes(data)


@st.composite
def maybe_gzip(draw: Any, inner: Any) -> tuple[bytes, bool]:
    """(data, gzipped): sometimes gzip, sometimes gzip cut off or with a flipped byte."""
    data = draw(inner)
    if draw(st.integers(0, 3)):
        return data, False
    packed = bytearray(gzip.compress(data))
    damage = draw(st.sampled_from(("none", "none", "cut", "flip", "concat")))
    if damage == "cut":
        del packed[draw(st.integers(2, len(packed))):]
    elif damage == "flip":
        i = draw(st.integers(0, len(packed) - 1))
        packed[i] ^= 1 << draw(st.integers(0, 7))
    elif damage == "concat":
        packed += gzip.compress(draw(inner))
    return bytes(packed), True


# --- formats ---------------------------------------------------------------------------------------------


@st.composite
def markdown_text(draw: Any) -> str:
    body = draw(token_text(MD_TOKENS + TEXT_TOKENS))
    if draw(st.booleans()):
        lines = draw(st.lists(st.sampled_from(FRONT_MATTER_LINES), max_size=6))
        close = draw(st.sampled_from(("---\n", "---\r\n", "---", "...\n", "")))
        body = draw(st.sampled_from(("---\n", "---\r\n", "--- \n"))) + "".join(lines) + close + body
    return body


def html_text() -> Any:
    return token_text(HTML_TOKENS + TEXT_TOKENS, max_parts=120)


def _b32_sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


@st.composite
def http_block(draw: Any, payload: bytes) -> bytes:
    status = draw(st.sampled_from(("HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.0 404 Not Found",
                                   "HTTP/1.1 301 Moved", "HTTP/1.1 abc", "HTTP/2 200", "garbage", "")))
    headers = draw(st.lists(st.sampled_from((
        "Content-Type: text/html; charset=utf-8", "Content-Type: text/html", "Content-Type: text/plain",
        "Content-Type: text/html; charset=bogus", "Content-Type: application/xhtml+xml", "Content-Type: image/png",
        "Content-Type: text/plain; charset=utf-16", "Content-Encoding: gzip", "Content-Encoding: br",
        "Content-Encoding: deflate", "Transfer-Encoding: chunked", "Content-Length: 5", "X-Robots-Tag: noai",
        "X-Robots-Tag: googlebot: noindex, noai", "tdm-reservation: 1", "tdm-policy: https://example.org/p",
        'Link: <https://creativecommons.org/licenses/by/4.0/>; rel="license"', "Link: <>; rel=license",
        "Link: garbage", "bad header line", ": empty", "Set-Cookie: a=b", "X-Long: " + "x" * 9000)), max_size=6))
    if "Content-Encoding: gzip" in headers and draw(st.booleans()):
        payload = gzip.compress(payload)
    if "Transfer-Encoding: chunked" in headers and draw(st.booleans()):
        payload = b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload)
    return (status + "\r\n" + "\r\n".join(headers) + "\r\n\r\n").encode("latin-1") + payload


@st.composite
def warc_record(draw: Any, html_seeds: list[bytes]) -> bytes:
    wtype = draw(st.sampled_from(("response", "response", "response", "resource", "request", "warcinfo",
                                  "metadata", "revisit", "conversion", "bogus", "")))
    uri = draw(st.sampled_from(("http://example.org/a", "https://example.org/b?c=d", "https://example.org/robots.txt",
                                "https://example.org/.well-known/tdmrep.json", "", "<http://example.org/x>",
                                "not a uri", "http://[::1", "http://ex ample.org/é")))
    page = draw(st.one_of(encoded(html_text()), mutated(html_seeds, HTML_TOKENS)) if html_seeds
                else encoded(html_text()))
    if uri.endswith("robots.txt"):
        page = draw(st.sampled_from((b"User-agent: *\nDisallow: /\n", b"User-agent: GPTBot\nDisallow: /",
                                     b"\xff\xfe garbage", b"")))
    elif uri.endswith("tdmrep.json"):
        page = draw(st.sampled_from((b'[{"location": "/", "tdm-reservation": 1}]', b"{", b"[1, 2]",
                                     b'[{"location": 5, "tdm-reservation": "x"}]', b"null")))
    if wtype == "response":
        block, ctype = draw(http_block(page)), "application/http; msgtype=response"
    elif wtype == "resource":
        block, ctype = page, draw(st.sampled_from(("text/html", "text/plain", "application/xhtml+xml", "image/png",
                                                   "text/html; charset=bogus", "")))
    else:
        block, ctype = draw(st.binary(max_size=64)), "application/warc-fields"
    how = draw(st.sampled_from(("ok", "ok", "ok", "ok", "short", "long", "bad", "missing")))
    length_line: str | None = f"Content-Length: {len(block)}"
    if how == "short":
        length_line = f"Content-Length: {max(0, len(block) - draw(st.integers(1, 64)))}"
    elif how == "long":
        length_line = f"Content-Length: {len(block) + draw(st.integers(1, 64))}"
    elif how == "bad":
        length_line = draw(st.sampled_from(("Content-Length: -1", "Content-Length: x",
                                            "Content-Length: 99999999999999999999")))
    elif how == "missing":
        length_line = None
    digest = draw(st.sampled_from((None, None, "right", "wrong", "garbage")))
    version = draw(st.sampled_from(("WARC/1.0", "WARC/1.1", "WARC/1.0", "WARC/0.9", "WARC/2.0", "HTTP/1.1", "")))
    lines = [version, f"WARC-Type: {wtype}",
             draw(st.sampled_from(("WARC-Record-ID: <urn:uuid:12345678-1234-1234-1234-123456789abc>",
                                   "WARC-Record-ID: garbage", ""))),
             draw(st.sampled_from(("WARC-Date: 2024-01-01T00:00:00Z", "WARC-Date: yesterday", ""))),
             f"WARC-Target-URI: {uri}", f"Content-Type: {ctype}"]
    if length_line:
        lines.append(length_line)
    if digest == "right":
        lines.append(f"WARC-Block-Digest: {_b32_sha1(block)}")
    elif digest == "wrong":
        lines.append(f"WARC-Block-Digest: {_b32_sha1(block + b'x')}")
    elif digest == "garbage":
        lines.append("WARC-Block-Digest: md5:zzzz")
    head = "\r\n".join(line for line in lines if line) + "\r\n\r\n"
    return head.encode("utf-8", "surrogatepass") + block + b"\r\n\r\n"


@st.composite
def warc_file(draw: Any, html_seeds: list[bytes]) -> tuple[bytes, bool]:
    records = draw(st.lists(warc_record(html_seeds), min_size=1, max_size=5))
    gz = draw(st.booleans())
    data = b"".join(gzip.compress(r) for r in records) if gz else b"".join(records)
    if draw(st.integers(0, 3)) == 0:
        data = draw(mutated([data], ["WARC/1.0\r\n", "\r\n\r\n", "Content-Length: 0\r\n"]))
    return data, gz


def json_values() -> Any:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                        token_text(TEXT_TOKENS, max_parts=20))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=5), inner, max_size=4)),
                        max_leaves=12)


@st.composite
def jsonl_line(draw: Any, seeds: list[bytes]) -> bytes:
    kind = draw(st.integers(0, 9))
    if kind < 5:
        obj = {"text": draw(st.one_of(token_text(TEXT_TOKENS + MD_TOKENS), json_values()))}
        for key in draw(st.lists(st.sampled_from(("url", "title", "id", "content", "meta", "license", "date")),
                                 max_size=4)):
            obj[key] = draw(json_values())
        line = json.dumps(obj, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    elif kind < 8:
        line = draw(st.sampled_from(JSON_GARBAGE))
    elif seeds:
        line = draw(mutated(seeds, ['"', "\\", "{", "}", ",", ":", "\\u0000", "\\ud800"]))
    else:
        line = draw(st.binary(max_size=64))
    return line.replace(b"\n", b"\\n")


@st.composite
def jsonl_file(draw: Any, seeds: list[bytes]) -> tuple[bytes, bool]:
    lines = draw(st.lists(jsonl_line(seeds), max_size=8))
    sep = draw(st.sampled_from((b"\n", b"\n", b"\r\n", b"\n\n")))
    data = sep.join(lines) + draw(st.sampled_from((b"", b"\n")))
    return draw(maybe_gzip(st.just(data)))


PATTERNS = st.lists(st.sampled_from(REGEX_PIECES), max_size=12).map("".join)


def rule_values(key: str) -> Any:
    good = {
        "id": st.sampled_from(("x.rule", "x.rule2", "Bad Id", "", "a" * 300)),
        "kind": st.sampled_from(KINDS),
        "languages": st.lists(st.sampled_from(("de", "en", "", "xx")), max_size=3),
        "keywords": st.lists(st.sampled_from(("copyright", "©", "rechte", "{{agencies}}", "({{agencies}}",
                                              "{{publishers}}", "{{x}}", "Upper", "", " ", "\\bword\\b", "a")),
                             max_size=4),
        "patterns": st.lists(PATTERNS, max_size=3),
        "message": st.text(max_size=20),
        "severity": st.sampled_from(("error", "warning", "info", "fatal")),
        "case_sensitive": st.booleans(),
        "publisher": st.sampled_from(("pub", "unknown", "")),
        "role": st.sampled_from(("author", "publisher", "source", "boss")),
        "links": st.lists(st.fixed_dictionaries({"title": st.text(max_size=5),
                                                 "url": st.sampled_from(("https://x.y", "javascript:x"))}),
                          max_size=2),
        "permissions": st.fixed_dictionaries({}, optional={
            "store": st.sampled_from(("allow", "deny", "review", "maybe")),
            "quote": st.fixed_dictionaries({}, optional={"max_words": st.integers(-5, 100),
                                                         "max_share": st.floats(-1, 2)}),
            "tdm": st.sampled_from(("allowed", "reserved", 1))}),
        "examples": st.fixed_dictionaries({}, optional={
            "match": st.lists(token_text(TEXT_TOKENS, max_parts=10), max_size=3),
            "no_match": st.lists(token_text(TEXT_TOKENS, max_parts=10), max_size=3)}),
        "bogus": st.just(1),
    }[key]
    return st.one_of(good, good, good, json_values())


@st.composite
def rule_dict(draw: Any) -> dict[str, Any]:
    if draw(st.booleans()):  # a rule that validates: its patterns, keywords and examples vary
        rule = {"id": draw(st.sampled_from(("x.rule", "x.rule2", "x.a-b"))), "kind": draw(st.sampled_from(KINDS[:8])),
                "languages": ["de"], "message": "m", "patterns": draw(st.lists(PATTERNS, min_size=1, max_size=3)),
                "keywords": draw(st.lists(st.sampled_from(("copyright", "©", "rechte", "{{agencies}}", "a", "^quelle",
                                                           "({{agencies}}", "{{publishers}}", "foto:")),
                                          min_size=1, max_size=3))}
        for key in draw(st.sets(st.sampled_from(("examples", "links", "permissions", "case_sensitive")))):
            rule[key] = draw(rule_values(key))
        return rule
    keys = draw(st.sets(st.sampled_from(RULE_KEYS)))
    keys |= draw(st.sampled_from(({"id", "kind", "languages", "keywords", "patterns", "message"}, set())))
    return {k: draw(rule_values(k)) for k in sorted(keys)}


@st.composite
def pack_dict(draw: Any) -> Any:
    pack: dict[str, Any] = {}
    if draw(st.integers(0, 3)):
        pack["rules"] = draw(st.lists(rule_dict(), max_size=3))
    if draw(st.booleans()):
        pack["macros"] = draw(st.dictionaries(st.sampled_from(("x", "m", "a", "publishers", "bad name")),
                                              st.lists(st.sampled_from(REGEX_PIECES), max_size=6).map("".join),
                                              max_size=3))
    if draw(st.booleans()):
        pack["publishers"] = draw(st.lists(st.fixed_dictionaries(
            {"id": st.sampled_from(("pub", "pub", "Bad")), "name": st.sampled_from(("Pub", "", "(", "Pub AG"))},
            optional={"aliases": st.lists(st.sampled_from(("P", "", "[", "dpa")), max_size=3),
                      "domains": st.lists(st.sampled_from(("pub.de", "", "http://x")), max_size=2),
                      "agency": st.booleans()}), max_size=2))
    if draw(st.integers(0, 3)) == 0:
        pack["policy"] = draw(st.fixed_dictionaries({}, optional={
            "kinds": st.dictionaries(st.sampled_from(KINDS), st.just({"store": "deny"}), max_size=2),
            "verdict_severity": st.dictionaries(st.sampled_from(("ok", "not-allowed", "x")),
                                                st.sampled_from(("error", "bad")), max_size=2),
            "own_publishers": st.lists(st.text(max_size=5), max_size=2),
            "default": st.fixed_dictionaries({}, optional={"store": st.sampled_from(("allow", "x"))})}))
    if draw(st.integers(0, 3)) == 0:
        pack["signals"] = draw(json_values())
    if draw(st.integers(0, 4)) == 0:
        pack["licenses"] = draw(st.fixed_dictionaries({}, optional={
            "terms": st.dictionaries(st.sampled_from(("by", "sa", "nc", "ports", "bogus")),
                                     st.lists(st.text(max_size=6), max_size=2), max_size=2),
            "spdx_ports": st.lists(st.sampled_from(("CC-BY-3.0-DE", "", "x")), max_size=2)}))
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values())  # not a mapping at all
    return pack


def _dump_yaml(data: Any) -> str:
    from ruamel.yaml import YAML

    buf = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump(data, buf)
    return buf.getvalue()


@st.composite
def yaml_text(draw: Any, seeds: list[bytes]) -> bytes:
    """A generated rule pack (dumped as YAML), or a shipped pack; then line-level edits and YAML tags."""
    if seeds and draw(st.integers(0, 2)) == 0:
        text = draw(st.sampled_from(seeds)).decode("utf-8")
    else:
        text = _dump_yaml(draw(pack_dict()))
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.sampled_from((0, 0, 0, 1, 2, 4)))):  # often none: valid packs reach the engine
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(("tag", "delete", "dup", "indent", "tab", "token", "alias")))
        line = lines[i]
        if op == "tag" and ":" in line:
            key = line.split(":", 1)[0]
            lines[i] = f"{key}: {draw(st.sampled_from(YAML_TAGS))}\n"
        elif op == "delete":
            del lines[i]
        elif op == "dup":
            lines.insert(i, line)
        elif op == "indent":
            lines[i] = " " * draw(st.integers(1, 3)) + line
        elif op == "tab":
            lines[i] = "\t" + line
        elif op == "token":
            cut = draw(st.integers(0, len(line)))
            lines[i] = line[:cut] + draw(st.sampled_from(REGEX_PIECES + YAML_TAGS + ["'", '"', ": ", "- ", "{", "["]))\
                + line[cut:]
        elif op == "alias":
            lines.append("x-a: &a [1, 2, 3, 4, 5, 6, 7, 8]\nx-b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                         "x-c: [*b, *b, *b, *b, *b, *b, *b, *b]\n")
    data = "".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        data = draw(mutated([data], YAML_TAGS))
    return data


# --- checks ------------------------------------------------------------------------------------------


class Hang(BaseException):
    """Raised by the alarm: a BaseException so that no reader's ``except Exception`` can swallow it."""


class Masked(Exception):
    """Not a crash: an internal error a reader already turned into a clean one."""


_ENGINE: Any = None


def engine() -> Any:
    global _ENGINE
    if _ENGINE is None:
        from compliance.pipeline import load_engine

        _ENGINE = load_engine(None)
    return _ENGINE


def check_document(doc: Any) -> None:
    """The invariants every Document (and what is found in it) must keep, whatever the input was."""
    from compliance.audit.records import document_record
    from compliance.document import _SPACES, Document
    from compliance.pipeline import scan_document
    from compliance.readers.stream import is_error
    from compliance.reuse.prepare import prepare_document

    assert isinstance(doc, Document), type(doc)
    assert isinstance(doc.text, str) and isinstance(doc.plain, str)
    if is_error(doc):
        reason = doc.metadata["error"]
        assert doc.text == "" and isinstance(reason, str) and "\n" not in reason, reason
        if "internal error" in reason or "cannot read HTML (" in reason:
            raise Masked(reason)
        return
    n, m = len(doc.text), len(doc.plain)
    for b in doc.blocks:
        assert 0 <= b.start <= b.end <= n, ("block outside text", b, n)
        assert 0 <= b.plain_start <= b.plain_end <= m, ("block outside plain", b, m)
    om = doc.offset_map
    for p, s, length in zip(om._plain, om._src, om._len, strict=True):
        assert p >= 0 and p + length <= m and s >= 0 and s + length <= n, ("run outside", p, s, length, m, n)
        assert doc.plain[p:p + length] == _SPACES.sub(" ", doc.text[s:s + length]), ("run is not a copy", p, s)
    rng = random.Random(n * 31 + m)
    for _ in range(8):
        a = rng.randint(0, m)
        b = rng.randint(a, m)
        s, e = om.span(a, b)
        assert 0 <= s <= e <= n, ("span outside text", a, b, s, e, n)
    for offset in (0, n, rng.randint(0, n)):
        pos = doc.position(offset)
        assert doc.lines.offset(pos.line, pos.column) == offset
    result = scan_document(engine(), doc)
    for nt in result.notices:
        assert 0 <= nt.start_offset <= nt.end_offset <= n, ("notice outside text", nt.offset, n)
        assert nt.text == doc.text[nt.start_offset:nt.end_offset], "notice text is not its slice"
        assert nt.start == doc.position(nt.start_offset) and nt.end == doc.position(nt.end_offset)
    for data in (result.to_dict(), *document_record(doc, result.notices, engine().rules.ruleset,
                                                    engine().publishers)):
        data = data.to_dict() if hasattr(data, "to_dict") else data
        json.dumps(data, allow_nan=False, ensure_ascii=False).encode("utf-8")  # strict JSON, UTF-8 writable
    prepare_document(doc, engine(), doc.path, doc.path)  # what `corpus add` stores


def run_reader(data: bytes, path: str) -> int:
    from compliance.errors import InputError
    from compliance.readers import iter_path

    docs = 0
    try:
        for doc in iter_path(path):
            check_document(doc)
            docs += 1
    except InputError as err:
        if "cannot read HTML (" in err.message:
            raise Masked(err.message) from err
        raise
    return docs


def run_rules(data: bytes, path: str) -> int:
    from compliance.detect import signals as sig
    from compliance.detect.notices import NoticeEngine
    from compliance.readers.plain import build_plain_document
    from compliance.ruleset.loader import load_ruleset

    loaded = load_ruleset([path], builtin=False)
    eng = NoticeEngine(loaded)
    sample = build_plain_document("© 2024 Foo GmbH. Alle Rechte vorbehalten. (dpa) Copyright Reuters. "
                                  "CC BY-SA 4.0 https://example.org Nachdruck verboten.", "<sample>")
    for nt in eng.scan(sample, []):
        assert nt.text == sample.text[nt.start_offset:nt.end_offset]
    for c in loaded.compiled:
        for example in (*c.rule.examples.match, *c.rule.examples.no_match):
            eng.scan(build_plain_document(example, f"<{c.rule.id}>"), only={c.rule.id})
    if b"signals" in data or b"licenses" in data:
        sig._load_vocabulary.cache_clear()
        sig.load_vocabulary([path])
    return len(loaded)


# --- targets -----------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    strategy: Any  # -> bytes or (bytes, gzipped)
    suffix: str
    gz_suffix: str
    run: Callable[[bytes, str], int]


def _read_seeds(paths: list[Path], limit: int = 8, gunzip: bool = False) -> list[bytes]:
    out = []
    for p in sorted(paths)[:limit]:
        data = p.read_bytes()
        out.append(gzip.decompress(data) if gunzip else data)
    return out


def targets() -> dict[str, Target]:
    md_seeds = _read_seeds(list((ROOT / "fixtures").rglob("*.md")), 12)
    pages = sorted((SHARED / "archive-aeb" / "html").glob("*.html.gz"), key=lambda p: p.stat().st_size)
    html_seeds = _read_seeds(pages, 6, gunzip=True) + [b"<p>" + s for s in md_seeds[:3]]
    wikinews = SHARED / "wikinews-de.jsonl"
    json_seeds = wikinews.read_bytes().splitlines()[:12] if wikinews.exists() else []
    rule_seeds = _read_seeds(list((ROOT / "rules").rglob("*.yaml")), 40)
    return {
        "markdown": Target("markdown", st.one_of(encoded(markdown_text()), mutated(md_seeds, MD_TOKENS)),
                           ".md", ".md", run_reader),
        "html": Target("html", maybe_gzip(st.one_of(encoded(html_text()), mutated(html_seeds, HTML_TOKENS))),
                       ".html", ".html.gz", run_reader),
        "warc": Target("warc", warc_file(html_seeds[:3]), ".warc", ".warc.gz", run_reader),
        "jsonl": Target("jsonl", jsonl_file(json_seeds), ".jsonl", ".jsonl.gz", run_reader),
        "rules": Target("rules", yaml_text(rule_seeds), ".yaml", ".yaml", run_rules),
    }


# --- the loop ----------------------------------------------------------------------------------------


@dataclass
class Stats:
    inputs: int = 0
    seconds: float = 0.0
    clean_errors: int = 0
    documents: int = 0
    masked: Counter = field(default_factory=Counter)
    crashes: dict[str, dict[str, Any]] = field(default_factory=dict)  # signature -> first input, count, trace


def _signature(err: BaseException) -> str:
    frames = traceback.extract_tb(err.__traceback__)
    ours = [f for f in frames if "/compliance/" in f.filename] or frames[-1:]
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    return f"{type(err).__name__} at {where}"


def _on_alarm(signum: int, frame: Any) -> None:
    raise Hang("over the time budget")


def attempt(target: Target, data: bytes, gz: bool, budget: float, workdir: Path) -> tuple[str, Any]:
    """("ok", docs) | ("clean", message) | ("masked", message) | ("crash", exception)."""
    path = workdir / ("input" + (target.gz_suffix if gz else target.suffix))
    path.write_bytes(data)
    start = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        docs = target.run(data, str(path))
        outcome: tuple[str, Any] = ("ok", docs)
    except ComplianceError as err:
        outcome = ("clean", str(err))
    except Masked as err:
        outcome = ("masked", str(err))
    except (Exception, Hang, RecursionError) as err:  # noqa: BLE001 - every other exception is a crash
        outcome = ("crash", err)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    if outcome[0] != "crash" and time.perf_counter() - start > budget:
        outcome = ("crash", Hang(f"took {time.perf_counter() - start:.1f} s"))
    return outcome


def fuzz(target: Target, seconds: float, seed: int, budget: float, workdir: Path, verbose: bool) -> Stats:
    stats = Stats()
    drawn: list[Any] = []

    @settings(database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(target.strategy)
    def capture(value: Any) -> None:
        drawn.append(value)

    rng = random.Random(seed)
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        drawn.clear()
        capture.hypothesis.fuzz_one_input(rng.randbytes(rng.choice((256, 1024, 4096, 16384))))
        if not drawn:
            continue
        value = drawn[0]
        data, gz = value if isinstance(value, tuple) else (value, False)
        stats.inputs += 1
        kind, detail = attempt(target, data, gz, budget, workdir)
        if kind == "ok":
            stats.documents += detail
        elif kind == "clean":
            stats.clean_errors += 1
        elif kind == "masked":
            stats.masked[detail.split("(", 1)[-1][:60]] += 1
        else:
            record_crash(stats, target, data, gz, detail, verbose)
    stats.seconds = time.perf_counter() - start
    return stats


def record_crash(stats: Stats, target: Target, data: bytes, gz: bool, err: BaseException, verbose: bool) -> None:
    sig = _signature(err)
    entry = stats.crashes.get(sig)
    if entry is not None:
        entry["count"] += 1
        return
    trace = "".join(traceback.format_exception(err))
    stats.crashes[sig] = {"count": 1, "data": data, "gz": gz, "trace": trace}
    CRASH_DIR.mkdir(parents=True, exist_ok=True)
    stem = f"{target.name}-{hashlib.sha1(sig.encode()).hexdigest()[:10]}"
    suffix = target.gz_suffix if gz else target.suffix
    (CRASH_DIR / (stem + suffix)).write_bytes(data)
    (CRASH_DIR / (stem + ".txt")).write_text(f"{sig}\n\n{trace}", encoding="utf-8")
    stats.crashes[sig]["file"] = str((CRASH_DIR / (stem + suffix)).relative_to(ROOT))
    if verbose:
        print(f"  crash: {sig} ({len(data)} bytes) -> {stats.crashes[sig]['file']}", flush=True)


def shrink(target: Target, data: bytes, gz: bool, sig: str, budget: float, workdir: Path,
           limit: float = 30.0) -> bytes:
    """Delete chunks (halves, quarters, ... single bytes) while the same crash still happens."""
    def same(candidate: bytes) -> bool:
        kind, detail = attempt(target, candidate, gz, budget, workdir)
        return kind == "crash" and _signature(detail) == sig

    deadline = time.perf_counter() + limit
    chunk = max(1, len(data) // 2)
    while chunk >= 1 and time.perf_counter() < deadline:
        i = 0
        changed = False
        while i < len(data) and time.perf_counter() < deadline:
            candidate = data[:i] + data[i + chunk:]
            if same(candidate):
                data, changed = candidate, True
            else:
                i += chunk
        if not changed:
            chunk //= 2
    return data


def report(name: str, stats: Stats) -> None:
    rate = stats.inputs / stats.seconds if stats.seconds else 0.0
    unit = "rules" if name == "rules" else "documents"
    print(f"{name:<9} {stats.inputs:7d} inputs in {stats.seconds:6.1f} s ({rate:6.1f}/s)  "
          f"{unit:<9} {stats.documents:7d}  clean errors {stats.clean_errors:6d}  "
          f"masked {sum(stats.masked.values()):4d}  crashes {len(stats.crashes)}", flush=True)
    for reason, count in stats.masked.most_common(5):
        print(f"          masked x{count}: {reason}")
    for sig, entry in stats.crashes.items():
        print(f"          CRASH x{entry['count']}: {sig} -> {entry['file']}"
              + (f" (minimal: {entry['min']})" if entry.get("min") else ""))


def replay(paths: list[str], budget: float, workdir: Path) -> int:
    all_targets = targets()
    bad = 0
    for p in paths:
        name = Path(p).name.split("-")[0]
        target = all_targets.get(name)
        if target is None:
            print(f"{p}: unknown target {name!r}")
            continue
        data = Path(p).read_bytes()
        kind, detail = attempt(target, data, p.endswith(".gz"), budget, workdir)
        if kind == "crash":
            bad += 1
            print(f"{p}: CRASH {_signature(detail)}")
            traceback.print_exception(detail)
        else:
            print(f"{p}: {kind} {str(detail)[:100]}")
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="Fuzzing time per target.")
    parser.add_argument("--target", action="append", choices=("markdown", "html", "warc", "jsonl", "rules"),
                        help="Fuzz only this target (repeatable; default: all).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=10.0, help="Seconds one input may take (else: a hang).")
    parser.add_argument("--no-shrink", action="store_true", help="Do not minimize crashing inputs.")
    parser.add_argument("--replay", nargs="+", metavar="FILE", help="Re-run saved inputs instead of fuzzing.")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _on_alarm)
    os.environ["COMPLIANCE_NO_CACHE"] = "1"  # fuzz the loader itself, not the rule cache
    with tempfile.TemporaryDirectory(prefix="compliance-fuzz-") as tmp:
        workdir = Path(tmp)
        if args.replay:
            return replay(args.replay, args.budget, workdir)
        all_targets = targets()
        engine()  # load the rules once, outside the timed loop
        names = args.target or list(all_targets)
        print(f"fuzzing {', '.join(names)} for {args.seconds:g} s each (seed {args.seed}, budget "
              f"{args.budget:g} s per input)", flush=True)
        found = 0
        for i, name in enumerate(names):
            target = all_targets[name]
            stats = fuzz(target, args.seconds, args.seed + i, args.budget, workdir, args.verbose)
            if not args.no_shrink:
                for sig, entry in stats.crashes.items():
                    small = shrink(target, entry["data"], entry["gz"], sig, args.budget, workdir)
                    path = ROOT / entry["file"]
                    min_path = path.with_name(path.name.replace(target.name + "-", target.name + "-min-", 1))
                    min_path.write_bytes(small)
                    entry["min"] = f"{min_path.relative_to(ROOT)}, {len(small)} bytes"
            report(name, stats)
            found += len(stats.crashes)
        print(f"crashes: {found}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
