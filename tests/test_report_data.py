"""Report test data: real Documents (read by the project's readers) and findings with exact offsets.

The texts are written for these tests (a fictitious publisher "Erzkurier.de" and a CC BY blog); the
other ``test_report_*`` modules import :func:`sample_results` and :func:`passage` from here.
"""

from __future__ import annotations

from compliance.document import Document
from compliance.findings import Match, Notice, SourceRef, SourceSummary, Verdict
from compliance.pipeline import FileResult
from compliance.readers import read_text

DRAFT = """# Rohstoffe im Wochenrückblick

Der Kupferpreis stieg am Montag, wie Erzkurier.de berichtet: „Die Nachfrage aus China bleibt hoch und die \
Lagerbestände sinken weiter.“

Die Minengesellschaft meldete höhere Fördermengen im dritten Quartal und kündigte neue Bohrungen in Chile an,
die bis zum Jahresende abgeschlossen sein sollen. Analysten 😀 erwarten steigende Preise.

Wind turbines built from recycled blades now power a small town in Denmark.

Alle Inhalte sind urheberrechtlich geschützt. Nachdruck verboten.
"""

SOURCE_A = """# Kupfer im Aufwind

Die Nachfrage aus China bleibt hoch und die Lagerbestände sinken weiter. Die Minengesellschaft meldete am \
Dienstag höhere Fördermengen im dritten Quartal und kündigte neue Bohrungen in Peru an, die bis zum Jahresende \
abgeschlossen sein sollen. Analysten 😀 erwarten steigende Preise.

Alle Inhalte sind urheberrechtlich geschützt. Nachdruck verboten.
"""

SOURCE_B = """Wind turbines built from recycled blades now power a small town in Denmark, the project said.

This post is licensed under CC BY 4.0.
"""

REPRO_LINKS = [{"title": "§ 15 UrhG – Verwertungsrechte", "url": "https://www.gesetze-im-internet.de/urhg/__15.html"},
               {"title": "§ 51 UrhG – Zitate", "url": "https://www.gesetze-im-internet.de/urhg/__51.html"}]
CC_LINKS = [{"title": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}]

REF_A = SourceRef(id="erzkurier-kupfer", path="corpus/erzkurier-kupfer.md", title="Kupfer im Aufwind",
                  publisher="Erzkurier.de")
REF_B = SourceRef(id="green-grid", path="corpus/green-grid.txt", title="Recycled blades", publisher=None)


def passage(doc: Document, source: Document, ref: SourceRef, draft_snippet: str, source_snippet: str,
            verdict: str, rule: str, severity: str, reasons: list[str], links: list[dict[str, str]] | None = None,
            quoted: bool = False, suppressed: bool = False, similarity: float = 0.9) -> Verdict:
    """A Verdict on a Match whose spans are found in the two real documents."""
    ds = doc.text.index(draft_snippet)
    de = ds + len(draft_snippet)
    ss = source.text.index(source_snippet)
    match = Match(source=ref, draft_start=ds, draft_end=de, source_start=ss, source_end=ss + len(source_snippet),
                  start=doc.position(ds), end=doc.position(de), similarity=similarity,
                  words=len(draft_snippet.split()), quoted=quoted, draft_text=draft_snippet,
                  source_text=source_snippet)
    return Verdict(verdict=verdict, rule=rule, severity=severity, draft_start=ds, draft_end=de,
                   start=match.start, end=match.end, words=match.words, reasons=reasons, source_id=ref.id,
                   links=links or [], match=match, suppressed=suppressed)


def pasted_notice(doc: Document, snippet: str, rule: str, publisher: str | None = None) -> Verdict:
    s = doc.text.index(snippet)
    e = s + len(snippet)
    notice = Notice(kind="reproduction-ban", rule=rule, text=snippet, start_offset=s, end_offset=e,
                    start=doc.position(s), end=doc.position(e), severity="error", publisher=publisher)
    return Verdict(verdict="pasted-notice", rule=rule, severity="error", draft_start=s, draft_end=e,
                   start=notice.start, end=notice.end, words=len(snippet.split()),
                   reasons=["a third-party reproduction ban in the draft: the text around it was probably copied"],
                   notice=notice)


def sample_results(path: str = "drafts/kupfer.md") -> list[FileResult]:
    """One draft with one of each: ok, not-allowed, needs-attribution, a pasted notice; two sources."""
    doc = read_text(DRAFT, path)
    src_a = read_text(SOURCE_A, REF_A.path)
    src_b = read_text(SOURCE_B, REF_B.path)
    quote = "„Die Nachfrage aus China bleibt hoch und die Lagerbestände sinken weiter.“"
    copied = ("Die Minengesellschaft meldete höhere Fördermengen im dritten Quartal und kündigte neue Bohrungen "
              "in Chile an,\ndie bis zum Jahresende abgeschlossen sein sollen. Analysten 😀 erwarten steigende Preise.")
    copied_src = ("Die Minengesellschaft meldete am Dienstag höhere Fördermengen im dritten Quartal und kündigte "
                  "neue Bohrungen in Peru an, die bis zum Jahresende abgeschlossen sein sollen. Analysten 😀 "
                  "erwarten steigende Preise.")
    wind = "Wind turbines built from recycled blades now power a small town in Denmark."
    verdicts = [
        passage(doc, src_a, REF_A, quote, "Die Nachfrage aus China bleibt hoch und die Lagerbestände sinken weiter.",
                "ok", "erzkurier.quote", "info", ["12 words in quotation marks, attributed to Erzkurier.de"],
                REPRO_LINKS[1:], quoted=True, similarity=1.0),
        passage(doc, src_a, REF_A, copied, copied_src, "not-allowed", "erzkurier.reproduction-ban", "error",
                ["the source forbids reproduction", "26 words reused without quotation marks"], REPRO_LINKS),
        passage(doc, src_b, REF_B, wind, "Wind turbines built from recycled blades now power a small town in Denmark",
                "needs-attribution", "license.cc-by", "warning", ["CC BY requires naming the author and licence"],
                CC_LINKS),
        pasted_notice(doc, "Alle Inhalte sind urheberrechtlich geschützt. Nachdruck verboten.",
                      "erzkurier.reproduction-ban", "Erzkurier.de"),
    ]
    sources = [SourceSummary(id=REF_A.id, publisher="Erzkurier.de", quote="≤ 50 words with attribution",
                             store="deny", reproduce="deny"),
               SourceSummary(id=REF_B.id, publisher=None, quote="with attribution", store="allow",
                             reproduce="allow", license="CC-BY-4.0")]
    return [FileResult(path, doc, verdicts=verdicts, matches=[v.match for v in verdicts if v.match],
                       sources=sources)]


def test_sample_spans_point_at_the_text_they_claim():
    (result,) = sample_results()
    doc = result.document
    assert doc is not None
    for v in result.verdicts:
        shown = v.match.draft_text if v.match else v.notice.text
        assert doc.text[v.draft_start:v.draft_end] == shown
        assert doc.position(v.draft_start) == v.start
    copied = result.verdicts[1]
    assert (copied.start.line, copied.end.line) == (5, 6)  # the copied paragraph spans two lines
    assert "😀" in copied.match.draft_text  # columns after it count code points, not UTF-16 units
