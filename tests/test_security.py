"""Security: plain-data YAML only, no network, writes stay beside --output, HTML reports cannot run script.

* YAML: a rule pack or front matter with ``!!python/...`` (or any other non-plain) tags is refused with a
  one-line error, and the object it names is never constructed (the tags here would create a directory);
  the pickled rule cache is not loaded from a file other users may write.
* Network: every socket connect and name lookup raises; notices, check, corpus add and audit run on pages
  full of remote URLs (stylesheets, images, scripts, iframes, canonical and licence links, JSON-LD contexts,
  WARC records of robots.txt) without trying one.
* Output paths: every command writes only its output (and the audit's sidecar) in the output's directory;
  a symlink planted at the output or at a predictable temporary name redirects nothing.
* HTML reports: drafts, sources, rule packs and pages carrying ``<script>``, ``"><img onerror=...>`` and
  ``javascript:`` URLs in every field yield reports without script elements, event-handler attributes,
  embedded content or unsafe link targets; the hostile text is shown as text.
"""

from __future__ import annotations

import os
import pickle
import socket
from pathlib import Path

import pytest

from compliance.errors import InputError, RuleError
from compliance.readers import read_path
from compliance.ruleset.loader import load_ruleset
from tests.conftest import ROOT, Collector, build_index

DRAFT = ROOT / "fixtures" / "drafts" / "showcase.md"
CORPUS = ROOT / "fixtures" / "corpus"

# --- YAML ----------------------------------------------------------------------------------------------


def python_tags(marker: Path) -> list[str]:
    """Tags that would construct objects (here: create ``marker``) under an unsafe YAML loader."""
    return [f"!!python/object/apply:os.mkdir ['{marker}']", f"!!python/object/new:os.mkdir ['{marker}']",
            "!!python/name:os.system", "!!python/module:os", "!!python/object:pathlib.Path {}",
            f"!!python/object/apply:subprocess.call [['mkdir', '{marker}']]"]


@pytest.mark.parametrize("where", ["value", "item", "document"])
def test_rule_packs_with_python_tags_are_refused_and_never_constructed(tmp_path, where):
    marker = tmp_path / "pwned"
    for i, tag in enumerate(python_tags(marker)):
        pack = tmp_path / f"pack{i}-{where}.yaml"
        text = {"value": f"pack: {tag}\n", "item": f"rules:\n  - {tag}\n", "document": f"{tag}\n"}[where]
        pack.write_text(text, encoding="utf-8")
        with pytest.raises(RuleError, match=r"YAML tag !!python/\S+ is not allowed") as info:
            load_ruleset([str(pack)], builtin=False)
        assert info.value.line is not None and "\n" not in str(info.value)
        assert not marker.exists()


def test_cli_refuses_a_tagged_rule_pack_in_one_line(cli, tmp_path):
    marker = tmp_path / "pwned"
    pack = tmp_path / "evil.yaml"
    pack.write_text(f"rules:\n  - {python_tags(marker)[0]}\n", encoding="utf-8")
    for args in (["rules", "list", "--rules", str(pack)], ["notices", str(DRAFT), "--rules", str(pack)]):
        run = cli(*args)
        assert run.code == 2 and "Traceback" not in run.err
        assert run.err == f"compliance: error: {pack}:2:5: YAML tag !!python/object/apply:os.mkdir is not allowed: " \
                          "rule packs are plain data\n"
    assert not marker.exists()


def test_front_matter_with_python_tags_is_refused_and_never_constructed(tmp_path):
    marker = tmp_path / "pwned"
    for i, tag in enumerate(python_tags(marker)):
        draft = tmp_path / f"draft{i}.md"
        draft.write_text(f"---\ntitle: {tag}\n---\n\nText.\n", encoding="utf-8")
        with pytest.raises(InputError, match="invalid front matter") as info:
            read_path(str(draft))
        assert info.value.line == 2
    assert not marker.exists()


class _Boom:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_rule_cache_is_not_unpickled_from_a_file_others_may_write(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPLIANCE_NO_CACHE", raising=False)
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    first = load_ruleset()
    files = sorted((tmp_path / "cache").glob("*.pickle"))
    assert files, "the rule cache was not written"
    marker = tmp_path / "pwned"
    for f in files:
        f.write_bytes(pickle.dumps(_Boom(str(marker))))
        f.chmod(0o666)  # group- and world-writable: anyone could have put this here
    again = load_ruleset()
    assert not marker.exists()
    assert len(again) == len(first)


# --- no network ----------------------------------------------------------------------------------------

REMOTE_PAGE = b"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Seite mit vielen Adressen</title>
<link rel="stylesheet" href="https://cdn.example.org/site.css">
<link rel="canonical" href="https://www.example.org/artikel/1">
<link rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">
<meta http-equiv="refresh" content="0; url=https://example.net/">
<meta name="tdm-policy" content="https://www.example.org/tdm-policy.json">
<script src="https://cdn.example.org/app.js"></script>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "Adressen", "license": "https://creativecommons.org/licenses/by/4.0/",
 "image": "https://img.example.org/a.jpg", "publisher": {"@id": "https://www.example.org/#org"}}</script>
</head><body><article><h1>Adressen</h1>
<p>Die Preise fuer Lithium stiegen am Montag deutlich, wie Haendler in Singapur berichteten. Die Nachfrage
aus der Batterieindustrie bleibt hoch und die Lagerbestaende sinken weiter.</p>
<img src="https://img.example.org/b.jpg" srcset="https://img.example.org/c.jpg 2x">
<iframe src="https://video.example.org/embed/1"></iframe>
<p><a href="https://www.example.org/weiter">Weiterlesen</a></p></article>
<footer>&copy; 2024 Example Verlag GmbH. Alle Rechte vorbehalten.
<a href="https://www.example.org/impressum">Impressum</a></footer></body></html>
"""


def _warc(records: list[tuple[str, str, bytes]]) -> bytes:
    out = b""
    for uri, ctype, body in records:
        block = f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\n\r\n".encode() + body
        out += (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\n"
                f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(block)}\r\n\r\n").encode()
        out += block + b"\r\n\r\n"
    return out


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to connect or to resolve a name is recorded and fails."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args[1:] if args and isinstance(args[0], socket.socket) else args)
        raise OSError("network access is forbidden in this test")

    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "gethostbyname", refuse)
    return attempts


def test_no_command_touches_the_network(cli, no_network, tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(REMOTE_PAGE)
    archive = tmp_path / "crawl.warc"
    archive.write_bytes(_warc([
        ("https://www.example.org/robots.txt", "text/plain", b"User-agent: *\nDisallow: /privat/\n"),
        ("https://www.example.org/.well-known/tdmrep.json", "application/json",
         b'[{"location": "/", "tdm-reservation": 1, "tdm-policy": "https://www.example.org/p.json"}]'),
        ("https://www.example.org/artikel/1", "text/html; charset=utf-8", REMOTE_PAGE),
    ]))
    index = str(tmp_path / "corpus.sqlite")
    runs = [
        ["notices", str(page), str(archive), "-f", "json"],
        ["corpus", "add", str(page), str(archive), str(CORPUS), "--index", index, "-j", "1", "-q"],
        ["check", str(page), str(DRAFT), "--corpus", index, "-f", "sarif"],
        ["audit", str(page), str(archive), "-j", "1", "-f", "json"],
        ["audit", str(page), str(archive), "-j", "1", "--extract", "fast", "-f", "html"],
    ]
    for args in runs:
        run = cli(*args)
        assert run.code in (0, 1), (args, run.err)
    assert no_network == []
    # the pages were really read (signals from the page and the WARC's host files are there)
    assert "CC-BY-SA-4.0" in cli("audit", str(page), "-j", "1", "-f", "json").out


# --- output paths ----------------------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Files and links under ``root`` (directories change mtime whenever an entry is added)."""
    out = {}
    for path in root.rglob("*"):
        st = path.lstat()
        if not path.is_dir() or path.is_symlink():
            out[str(path.relative_to(root))] = (st.st_mtime_ns, st.st_size)
    return out


@pytest.fixture(scope="module")
def outside_index(tmp_path_factory) -> str:
    return str(build_index(tmp_path_factory.mktemp("outside-index") / "corpus.sqlite", CORPUS))


OUTPUT_RUNS = {
    "notices": lambda out, idx: ["notices", str(DRAFT), "-f", "json", "-o", str(out / "n.json")],
    "check": lambda out, idx: ["check", str(DRAFT), "--corpus", idx, "-f", "html", "-o", str(out / "c.html")],
    "corpus-list": lambda out, idx: ["corpus", "list", "--index", idx, "-o", str(out / "l.txt")],
    "audit-jsonl": lambda out, idx: ["audit", str(DRAFT), str(CORPUS), "-j", "1", "-o", str(out / "a.jsonl")],
    "audit-csv": lambda out, idx: ["audit", str(DRAFT), str(CORPUS), "-j", "1", "-o", str(out / "a.csv")],
    "baseline": lambda out, idx: ["baseline", "update", str(DRAFT), "--corpus", idx, "--baseline",
                                  str(out / "b.json")],
}


@pytest.mark.parametrize("name", sorted(OUTPUT_RUNS))
def test_commands_write_only_their_output_in_its_directory(cli, monkeypatch, tmp_path, outside_index, name):
    cwd, out = tmp_path / "cwd", tmp_path / "out"
    cwd.mkdir()
    out.mkdir()
    (tmp_path / "elsewhere.txt").write_text("keep\n", encoding="utf-8")
    monkeypatch.chdir(cwd)
    before = snapshot(tmp_path)
    args = OUTPUT_RUNS[name](out, outside_index)
    run = cli(*args)
    assert run.code in (0, 1), run.err
    after = snapshot(tmp_path)
    changed = {p for p in after if after[p] != before.get(p)} | (before.keys() - after.keys())
    target = Path(args[args.index("-o") + 1] if "-o" in args else args[args.index("--baseline") + 1])
    expected = {str(target.relative_to(tmp_path))}
    if name.startswith("audit"):
        expected.add(str(target.relative_to(tmp_path)) + ".fingerprints")  # the documented sidecar
    assert changed == expected, changed


@pytest.mark.parametrize("name", ["notices", "check", "corpus-list", "baseline"])
def test_planted_symlinks_redirect_no_write(cli, tmp_path, outside_index, name):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n", encoding="utf-8")
    args = OUTPUT_RUNS[name](out, outside_index)
    target = Path(args[args.index("-o") + 1] if "-o" in args else args[args.index("--baseline") + 1])
    for planted in (target.with_name(target.name + ".tmp"), target):  # the old temporary name, the output
        planted.symlink_to(victim)
    run = cli(*args)
    assert run.code in (0, 1), run.err
    assert victim.read_text(encoding="utf-8") == "keep\n"
    assert target.is_file() and not target.is_symlink()  # the link was replaced, never written through


def test_audit_refuses_to_write_records_through_a_symlink(cli, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n", encoding="utf-8")
    for name in ("a.jsonl", "a.jsonl.fingerprints"):
        out = tmp_path / name.replace(".", "-")
        out.mkdir()
        (out / name).symlink_to(victim)
        for resume in ([], ["--resume"]):
            run = cli("audit", str(DRAFT), "-j", "1", "-o", str(out / "a.jsonl"), *resume)
            assert run.code == 2 and "is a symbolic link" in run.err and run.err.count("\n") == 1
            assert victim.read_text(encoding="utf-8") == "keep\n"


# --- HTML reports ----------------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
JS = "javascript:alert(3)"
HOSTILE = f"{SCRIPT} {IMG} {JS} <svg onload=alert(4)> <iframe src={JS}></iframe>"

HOSTILE_RULES = f"""rules:
  - id: x.hostile-notice
    kind: reproduction-ban
    languages: [de]
    keywords: [xyzzy-sperrvermerk]
    patterns: ['xyzzy-sperrvermerk[^\\n]*']
    severity: error
    message: '{SCRIPT} {IMG.replace("'", "''")}'
    links:
      - {{title: '{SCRIPT}', url: '{JS}'}}
      - {{title: 'mixed case', url: ' JaVaScRiPt:alert(5)'}}
      - {{title: 'data', url: 'data:text/html,{SCRIPT}'}}
      - {{title: 'quote', url: 'https://example.org/{IMG.replace("'", "''")}'}}
"""

PASSAGE = ("Die Betreiber der Schmelzhütte meldeten am Dienstag einen Rekord bei der Produktion von Kupferkathoden, "
           f"obwohl {SCRIPT} der Strompreis im Winter stark gestiegen war {IMG} und mehrere Lieferungen aus "
           "Chile sich verspätet hatten. Nach Angaben des Vorstands soll die neue Elektrolyse im kommenden Jahr "
           "den Durchsatz um ein Viertel erhöhen, ohne dass zusätzliche Arbeitskräfte eingestellt werden müssen. "
           "Analysten bewerten den Schritt als Antwort auf die wachsende Konkurrenz aus Asien.")


def hostile_corpus(root: Path) -> tuple[Path, Path, Path]:
    """A source, a draft reusing it and a rule pack, every field carrying script and javascript: URLs."""
    rules = root / "hostile.yaml"
    rules.write_text(HOSTILE_RULES, encoding="utf-8")
    src_dir = root / "corpus"
    src_dir.mkdir()
    source = src_dir / f"quelle {SCRIPT.replace('/', '_')}.md"
    source.write_text(f"---\ntitle: '{SCRIPT}'\npublisher: '{IMG.replace(chr(39), chr(39) * 2)}'\nurl: '{JS}'\n---\n\n"
                      f"# Kupfer {SCRIPT}\n\n{PASSAGE}\n\nxyzzy-sperrvermerk {HOSTILE}\n", encoding="utf-8")
    draft = root / f"entwurf {IMG.replace('/', '_')}.md"
    draft.write_text(f"# Bericht {SCRIPT}\n\n{PASSAGE}\n\n[Quelle]({JS}) und <{JS}>\n\n"
                     f"xyzzy-sperrvermerk {HOSTILE}\n", encoding="utf-8")
    return rules, src_dir, draft


HOSTILE_PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{SCRIPT.replace("<", "&lt;")} Titel</title>
<meta property="og:title" content="&lt;script&gt;alert(6)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(7)&gt;">
<meta property="og:site_name" content="&quot;&gt;&lt;img src=x onerror=alert(8)&gt;">
<link rel="canonical" href="{JS}">
<link rel="license" href="javascript:alert(9)//creativecommons.org/licenses/by/4.0/">
<script type="application/ld+json">{{"@type": "NewsArticle", "author": {{"name": "\\"><img src=x onerror=alert(10)>"}},
"license": "{JS}"}}</script></head><body><article><h1>Kupfer</h1><p>{PASSAGE.replace("<", "&lt;")}</p></article>
<footer>&copy; 2024 &lt;script&gt;alert(11)&lt;/script&gt; GmbH. Alle Rechte vorbehalten.
xyzzy-sperrvermerk &lt;script&gt;alert(12)&lt;/script&gt; <a href="{JS}">Impressum</a></footer></body></html>
"""

FORBIDDEN_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "img", "svg", "math",
                  "video", "audio", "source", "base", "form", "input", "button", "link", "portal"}
URL_ATTRS = {"href", "src", "action", "formaction", "srcset", "srcdoc", "data", "poster", "background", "xlink:href",
             "ping", "manifest", "codebase", "cite"}


def assert_inert(report: str) -> str:
    """No script, no embedded content, no event handlers, only web/mail/fragment links; returns the text."""
    parser = Collector()
    parser.feed(report)
    parser.close()
    trees = [parser.tags]
    lxml_html = pytest.importorskip("lxml.html")
    root = lxml_html.document_fromstring(report)
    trees.append([(el.tag, dict(el.attrib)) for el in root.iter() if isinstance(el.tag, str)])
    for tags in trees:
        names = [t for t, _ in tags]
        assert not FORBIDDEN_TAGS & set(names), FORBIDDEN_TAGS & set(names)
        assert names.count("style") <= 1
        for tag, attrs in tags:
            for name, value in attrs.items():
                assert not name.lower().startswith("on"), (tag, attrs)
                low = (value or "").strip().lower()
                assert "javascript:" not in low and "vbscript:" not in low and "url(" not in low, (tag, attrs)
                if name.lower() in URL_ATTRS:
                    assert name.lower() == "href" and low.startswith(("#", "https://", "http://", "mailto:")), \
                        (tag, attrs)
            if tag == "meta":
                assert (attrs.get("http-equiv") or "").lower() in ("", "content-security-policy"), attrs
    text = "".join(parser.text)
    assert "<script>alert(" in text  # the hostile text is shown, as text
    return text


def test_check_html_report_cannot_run_script(cli, tmp_path):
    rules, corpus, draft = hostile_corpus(tmp_path)
    index = str(tmp_path / "index.sqlite")
    assert cli("corpus", "add", str(corpus), "--index", index, "--rules", str(rules), "-j", "1", "-q").code == 0
    run = cli("check", str(draft), "--corpus", index, "--rules", str(rules), "-f", "html", "--fail-on", "never")
    assert run.code == 0, run.err
    text = assert_inert(run.out)
    assert "not-allowed" in text or "exceeds-quote-limit" in text  # the passage was found and judged
    assert "pasted-notice" in text and "xyzzy-sperrvermerk" in text  # the hostile notice is listed
    assert 'onerror=alert(2)' in text and "alert(1)" in text


def test_audit_html_report_cannot_run_script(cli, tmp_path):
    rules, corpus, draft = hostile_corpus(tmp_path)
    page = tmp_path / f"seite {IMG.replace('/', '_')}.html"
    page.write_text(HOSTILE_PAGE, encoding="utf-8")
    archive = tmp_path / "crawl.warc"
    archive.write_bytes(_warc([(JS, "text/html; charset=utf-8", HOSTILE_PAGE.encode()),
                               (f"https://example.org/{IMG}", "text/html", HOSTILE_PAGE.encode())]))
    for extract in ("full", "fast"):
        run = cli("audit", str(page), str(archive), str(corpus), str(draft), "--rules", str(rules), "-j", "1",
                  "--extract", extract, "-f", "html", "--fail-on", "never")
        assert run.code == 0, run.err
        text = assert_inert(run.out)
        assert "alert(6)" in text and "alert(12)" in text  # page title and footer notice, shown as text
