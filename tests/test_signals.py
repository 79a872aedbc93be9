"""Machine-readable signals: meta tags, HTTP headers, licence links, JSON-LD, robots.txt and TDMRep."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urljoin

import pytest
from lxml import html as lxml_html

from compliance.detect import signals as sig
from compliance.errors import RuleError

AEB = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "archive-aeb" / "html"


@pytest.fixture(scope="module")
def vocab() -> sig.Vocabulary:
    return sig.load_vocabulary()


def page_signals(vocab, head: str, body: str = "<p>x</p>", url: str = "https://news.example/a/b.html"):
    tree = lxml_html.document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>")
    return sig.from_html(tree, vocab, url)


def triples(signals) -> set[tuple]:
    return {(s.kind, s.value, s.source, s.machine_readable, s.agent) for s in signals}


def test_signal_to_dict_is_the_record_contract():
    s = sig.Signal("tdm-reservation", "1", "meta", True)
    assert s.to_dict() == {"kind": "tdm-reservation", "value": "1", "source": "meta",
                           "machine_readable": True, "agent": None, "url": None}
    json.dumps(s.to_dict())


def test_tdm_meta_tags(vocab):
    found = page_signals(vocab, '<meta name="tdm-reservation" content="1">'
                                '<meta name="TDM-Policy" content="/tdm/policy.json">')
    assert ("tdm-reservation", "1", "meta", True, None) in triples(found)
    policy = next(s for s in found if s.kind == "tdm-policy")
    assert policy.value == policy.url == "https://news.example/tdm/policy.json"


def test_robots_meta_generic_and_per_agent(vocab):
    found = triples(page_signals(vocab, '<meta name="robots" content="index, follow, noai, NoImageAI">'
                                        '<meta name="GPTBot" content="noindex">'
                                        '<meta name="description" content="noai is not a directive here">'))
    assert found == {("robots", "noai", "meta", True, None), ("robots", "noimageai", "meta", True, None),
                     ("robots", "noindex", "meta", True, "GPTBot")}


def test_x_robots_tag_agents_and_valued_directives(vocab):
    found = triples(sig.from_headers([("X-Robots-Tag", "noai"), ("X-Robots-Tag", "otherbot: noindex, noai"),
                                      ("X-Robots-Tag", "max-snippet: 20, noarchive"),
                                      ("x-robots-tag", "gptbot: noimageai")], vocab))
    assert found == {("robots", "noai", "header", True, None), ("robots", "noindex", "header", True, "otherbot"),
                     ("robots", "noai", "header", True, "otherbot"), ("robots", "noarchive", "header", True, None),
                     ("robots", "noimageai", "header", True, "GPTBot")}


def test_tdm_headers_and_link_header(vocab):
    found = triples(sig.from_headers([("TDM-Reservation", "1"), ("tdm-policy", "https://x.example/p.json"),
                                      ("Link", '<https://creativecommons.org/licenses/by-nc-nd/4.0/>; rel="license"'),
                                      ("Link", '<https://x.example/feed>; rel="alternate"'),
                                      ("Content-Type", "text/html")], vocab))
    assert found == {("tdm-reservation", "1", "header", True, None),
                     ("tdm-policy", "https://x.example/p.json", "header", True, None),
                     ("license", "CC-BY-NC-ND-4.0", "header", True, None)}


@pytest.mark.parametrize(("href", "spdx"), [
    ("https://creativecommons.org/licenses/by-sa/4.0/", "CC-BY-SA-4.0"),
    ("http://creativecommons.org/licenses/by/4.0/deed.de", "CC-BY-4.0"),
    ("//creativecommons.org/licenses/by-nc-sa/3.0/de/", "CC-BY-NC-SA-3.0-DE"),
    ("https://creativecommons.org/licenses/by/3.0/de/", "CC-BY-3.0-DE"),
    ("https://creativecommons.org/licenses/by-nd/2.0", "CC-BY-ND-2.0"),
    ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
    ("https://creativecommons.org/publicdomain/mark/1.0/", "LicenseRef-public-domain"),
    ("https://www.apache.org/licenses/LICENSE-2.0", "Apache-2.0"),
    ("https://www.govdata.de/dl-de/by-2-0", "DL-DE-BY-2.0"),
])
def test_license_links_to_spdx(vocab, href, spdx):
    for markup in (f'<link rel="license" href="{href}">', f'<a rel="nofollow license" href="{href}">x</a>'):
        head, body = (markup, "<p>x</p>") if markup.startswith("<link") else ("", markup)
        found = [s for s in page_signals(vocab, head, body) if s.kind == "license"]
        assert [(s.value, s.source, s.machine_readable) for s in found] == [(spdx, "link", True)]
        assert found[0].url == urljoin("https://news.example/a/b.html", href)


def test_license_link_to_prose_terms_is_not_machine_readable(vocab):
    found = page_signals(vocab, "", '<a rel="license" href="/nutzungsbedingungen">Nutzung</a>')
    assert triples(found) == {("license", "https://news.example/nutzungsbedingungen", "link", False, None)}


def test_copyright_and_rights_meta(vocab):
    found = triples(page_signals(
        vocab, '<meta name="copyright" content="© 2024   Beispiel Verlag">'
               '<meta name="dcterms.rights" content="https://creativecommons.org/licenses/by/4.0/">'
               '<meta name="DC.rights" content="Alle Rechte vorbehalten">'))
    assert found == {("copyright", "© 2024 Beispiel Verlag", "meta", False, None),
                     ("rights", "CC-BY-4.0", "meta", True, None),
                     ("rights", "Alle Rechte vorbehalten", "meta", False, None)}


JSONLD = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "NewsArticle", "license": "https://creativecommons.org/licenses/by-sa/4.0/",
         "copyrightHolder": {"@type": "Organization", "name": "Beispiel Verlag GmbH"},
         "copyrightYear": 2024, "isAccessibleForFree": False,
         "image": {"@type": "ImageObject", "license": "https://stock.example/terms"}},
        {"@type": "ImageObject", "license": "https://stock.example/terms", "copyrightHolder": "Stock Inc."},
        {"@type": "WebPage", "isAccessibleForFree": "True", "license": "CC BY 4.0"},
    ],
}


def test_jsonld_properties(vocab):
    script = f'<script type="application/ld+json">{json.dumps(JSONLD)}</script>'
    found = triples(page_signals(vocab, script))
    assert found == {("license", "CC-BY-SA-4.0", "json-ld", True, None),
                     ("copyright-holder", "Beispiel Verlag GmbH", "json-ld", True, None),
                     ("copyright-year", "2024", "json-ld", True, None),
                     ("accessible-for-free", "false", "json-ld", True, None),
                     ("accessible-for-free", "True", "json-ld", True, None),
                     ("license", "CC-BY-4.0", "json-ld", True, None)}


def test_broken_jsonld_is_skipped(vocab):
    head = ('<script type="application/ld+json">{"license": oops</script>'
            '<script type="application/ld+json">\n<!--{"@type":"Article","copyrightYear":"2023"}-->\n</script>')
    assert triples(page_signals(vocab, head)) == {("copyright-year", "2023", "json-ld", True, None)}


def test_signals_are_deduplicated(vocab):
    head = '<meta name="tdm-reservation" content="1">' * 3
    assert len(page_signals(vocab, head)) == 1


# --- host-level files --------------------------------------------------------------------------------

ROBOTS = """User-agent: GPTBot
Disallow: /

User-agent: CCBot
Disallow: /archiv/

User-agent: *
Disallow: /intern/
"""


def test_robots_txt_per_ai_agent(vocab):
    hosts = sig.HostPolicies(vocab)
    hosts.add("https://www.news.example/robots.txt", ROBOTS)
    story = {(s.kind, s.agent) for s in hosts.signals_for("https://news.example/2024/story.html")}
    assert story == {("robots-disallow", "GPTBot")}
    archived = {s.agent for s in hosts.signals_for("http://news.example/archiv/1.html")}
    assert archived == {"GPTBot", "CCBot"}
    internal = {s.agent for s in hosts.signals_for("https://news.example/intern/x")}
    assert internal == {"GPTBot", "*"}
    assert hosts.signals_for("https://elsewhere.example/") == []
    assert all(s.source == "robots" and s.url == "https://www.news.example/robots.txt"
               for s in hosts.signals_for("https://news.example/intern/x"))


def test_tdmrep_first_matching_rule_wins(vocab):
    hosts = sig.HostPolicies(vocab)
    rules = [{"location": "/free/*", "tdm-reservation": 0},
             {"location": "/report.pdf$", "tdm-reservation": 1},
             {"location": "/*", "tdm-reservation": 1, "tdm-policy": "https://news.example/policy.json"}]
    hosts.add("https://news.example/.well-known/tdmrep.json", json.dumps(rules))

    def values(url):
        return {(s.kind, s.value) for s in hosts.signals_for(url)}

    assert values("https://news.example/free/a.html") == {("tdm-reservation", "0")}
    assert values("https://news.example/report.pdf") == {("tdm-reservation", "1")}
    assert values("https://news.example/report.pdf?x=1") == {("tdm-reservation", "1"),
                                                            ("tdm-policy", "https://news.example/policy.json")}
    assert all(s.source == "file" and s.machine_readable for s in hosts.signals_for("https://news.example/x"))


def test_invalid_tdmrep_is_reported_not_raised(vocab):
    hosts = sig.HostPolicies(vocab)
    hosts.add("https://a.example/.well-known/tdmrep.json", "{not json")
    hosts.add("https://b.example/.well-known/tdmrep.json", '{"location": "/"}')
    assert len(hosts.errors) == 2 and not hosts


def test_apply_adds_host_signals_to_a_document(vocab):
    from compliance.document import Document

    hosts = sig.HostPolicies(vocab)
    hosts.add("https://news.example/robots.txt", ROBOTS)
    doc = Document(path="x", text="", metadata={"url": "https://news.example/a"})
    hosts.apply(doc)
    hosts.apply(doc)
    assert [(s.kind, s.agent) for s in doc.signals] == [("robots-disallow", "GPTBot")]


# --- vocabulary --------------------------------------------------------------------------------------


def test_vocabulary_lists_ai_agents(vocab):
    agents = set(vocab.config.ai_agents)
    assert {"GPTBot", "CCBot", "ClaudeBot", "Google-Extended"} <= agents


def test_extra_pack_extends_agents(tmp_path):
    (tmp_path / "mine.yaml").write_text("signals:\n  ai_agents: [ExampleBot]\n", encoding="utf-8")
    vocab = sig.load_vocabulary([str(tmp_path)])
    assert "ExampleBot" in vocab.config.ai_agents and "GPTBot" in vocab.config.ai_agents
    found = sig.from_html(lxml_html.document_fromstring(
        '<html><head><meta name="examplebot" content="noai"></head><body>x</body></html>'), vocab)
    assert [(s.value, s.agent) for s in found] == [("noai", "ExampleBot")]


def test_bad_signals_pack_is_a_rule_error_with_position(tmp_path):
    (tmp_path / "bad.yaml").write_text("signals:\n  ai_agents: [X]\n  metas: {}\n", encoding="utf-8")
    with pytest.raises(RuleError) as info:
        sig.load_vocabulary([str(tmp_path)])
    assert info.value.line == 3 and "metas" in info.value.message


def test_signals_pack_does_not_break_the_rule_loader():
    from compliance.ruleset.loader import load_ruleset

    assert load_ruleset() is not None


# --- real pages --------------------------------------------------------------------------------------


@pytest.mark.skipif(not AEB.is_dir(), reason="../shared/data/archive-aeb not available")
def test_signals_on_real_pages_are_well_formed(vocab):
    from compliance.readers import iter_path

    pages = sorted(AEB.glob("*.html.gz"))[:60]
    seen = []
    for page in pages:
        doc = next(iter_path(str(page)))
        for s in doc.signals:
            assert s.source in sig.SOURCES and s.kind and s.value
            json.dumps(s.to_dict())
            seen.append(s)
    assert seen  # real pages do carry signals (robots meta, copyright meta, JSON-LD)


def test_the_vocabulary_comes_from_the_cache_and_an_edited_pack_invalidates_it(tmp_path, monkeypatch):
    """Parsing the packs' YAML for the vocabulary costs ~0.3 s per process: the second load reads the cache,
    and an edit of a pack it came from is seen at the next load, as without a cache."""
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("COMPLIANCE_NO_CACHE", raising=False)
    pack = tmp_path / "rules" / "mine.yaml"
    pack.parent.mkdir()
    pack.write_text("signals:\n  ai_agents: [ExampleBot]\n", encoding="utf-8")
    sig._load_vocabulary.cache_clear()
    first = sig.load_vocabulary([str(pack.parent)])
    assert len(list((tmp_path / "cache").glob("vocabulary-*.pickle"))) == 1
    sig._load_vocabulary.cache_clear()
    monkeypatch.setattr(sig, "_build_vocabulary", lambda files: pytest.fail("parsed again"))
    again = sig.load_vocabulary([str(pack.parent)])
    assert again.config == first.config and again.license_urls == first.license_urls
    monkeypatch.undo()
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    pack.write_text("signals:\n  ai_agents: [OtherBot]\n", encoding="utf-8")
    sig._load_vocabulary.cache_clear()
    edited = sig.load_vocabulary([str(pack.parent)])
    sig._load_vocabulary.cache_clear()
    assert "OtherBot" in edited.config.ai_agents and "ExampleBot" not in edited.config.ai_agents
