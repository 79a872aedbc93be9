"""Wrong verdicts from wrong spans (issue 13B): a passage stays inside its block structure and its quotation
marks, templates are not reuse, comments and front matter are not prose, a draft is not its own source."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT

from compliance.reuse import CorpusIndex, check_documents

CORPUS = ROOT / "fixtures" / "corpus"
SHOWCASE = ROOT / "fixtures" / "drafts" / "showcase.md"

# 45 words, verbatim in the source; "nach Angaben des" comes again in the source two words after it.
QUOTE = ("Die Sanierung der alten Kaimauer am Nordufer verzögert sich um mindestens ein weiteres volles Jahr. "
         "Gutachter haben im Frühjahr Hohlräume hinter den Spundwänden entdeckt, die nach Angaben des Hafenamts "
         "erst verfüllt werden müssen. Die Hafenverwaltung rechnet deshalb mit Mehrkosten von rund vier Millionen "
         "Euro zusätzlich.")
HARBOUR_SOURCE = f"""---
title: Neue Kaimauer im Hafen wird teurer als geplant
publisher: Hafenzeitung
---

# Neue Kaimauer im Hafen wird teurer als geplant

{QUOTE} Fischkutter sollen nach Angaben des Betreibers an den Südkai ausweichen, wo zusätzliche Liegeplätze
entstehen.

Der Umschlag von Containern soll während der Bauarbeiten ohne Einschränkungen weiterlaufen.
"""
HARBOUR_DRAFT = f"""---
title: Kaimauer im Hafen wird teurer
---

# Neue Kaimauer im Hafen wird teurer als geplant

Die Hafenzeitung schreibt: „{QUOTE}“

Wir berichten weiter.
"""


def index_of(tmp_path: Path, *sources: Path) -> CorpusIndex:
    from compliance.pipeline import load_engine

    index = CorpusIndex(tmp_path / "corpus.sqlite", create=True)
    index.add_paths([str(s) for s in sources], load_engine(None))
    return index


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_quote_after_heading_and_lead_in_counts_only_its_own_words(tmp_path):
    from compliance.reuse.normalize import tokenize

    assert len(tokenize(QUOTE)) == 45
    source = write(tmp_path / "corpus", "hafen.md", HARBOUR_SOURCE)
    draft = write(tmp_path, "draft.md", HARBOUR_DRAFT)
    with index_of(tmp_path, source) as index:
        [result] = check_documents([str(draft)], index)
    [match] = result.matches
    assert match.draft_text == QUOTE and match.source_text == QUOTE  # no heading, lead-in, title or front matter
    assert match.words == 45 and match.similarity == 1.0 and match.quoted
    [verdict] = result.verdicts
    assert verdict.verdict == "ok", verdict.reasons
    assert "45 words within the quote limit" in verdict.reasons


def test_showcase_dpa_quote_is_verbatim(tmp_path):
    """The showcase quotes dpa word for word: a shared "nach Angaben des" later in the source does not
    stretch the source span (it made the quote 93 % similar)."""
    with index_of(tmp_path, CORPUS) as index:
        [result] = check_documents([str(SHOWCASE)], index)
    [dpa] = [m for m in result.matches if m.source.publisher == "dpa"]
    assert dpa.similarity == 1.0 and dpa.quoted
    assert dpa.source_text.endswith("soweit Personal verfügbar ist.")
    assert dpa.draft_text.startswith("Reisende müssen") and dpa.draft_text.endswith("verfügbar ist.")


def test_clipped_spans_are_exact_on_both_sides(tmp_path):
    """Clipping a passage to its quote keeps both spans pointing at the words reported."""
    source = write(tmp_path / "corpus", "hafen.md", HARBOUR_SOURCE)
    draft = write(tmp_path, "draft.md", HARBOUR_DRAFT.replace("„", "„Die Hafenzeitung: "))
    with index_of(tmp_path, source) as index:
        [result] = check_documents([str(draft)], index)
        stored = index.get(result.matches[0].source.id).text
    [m] = result.matches
    assert result.document.text[m.draft_start:m.draft_end] == m.draft_text
    assert stored[m.source_start:m.source_end] == m.source_text


def test_lead_in_shared_with_the_source_is_not_part_of_the_quote(tmp_path):
    """The source says "Die Hafenzeitung schreibt am Montag: …" and the draft "Die Hafenzeitung schreibt: „…“":
    the shared lead-in joins the passage, but a quote's words are those inside its quotation marks."""
    source = write(tmp_path / "corpus", "hafen.md", HARBOUR_SOURCE.replace(
        f"\n{QUOTE}", f"\nDie Hafenzeitung schreibt am Montag: {QUOTE}"))
    draft = write(tmp_path, "draft.md", HARBOUR_DRAFT)
    with index_of(tmp_path, source) as index:
        [result] = check_documents([str(draft)], index)
        stored = index.get(result.matches[0].source.id).text
    [m] = result.matches
    assert m.draft_text == QUOTE and stored[m.source_start:m.source_end] == QUOTE
    assert m.words == 45 and m.similarity == 1.0
