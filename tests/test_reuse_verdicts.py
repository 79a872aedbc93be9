"""Wrong verdicts from wrong spans (issue 13B): a passage stays inside its block structure and its quotation
marks, templates are not reuse, comments and front matter are not prose, a draft is not its own source."""

from __future__ import annotations

from pathlib import Path

import pytest
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


def check_pair(tmp_path: Path, source_text: str, draft_text: str):
    """``check`` of one Markdown draft against a corpus of one Markdown source: (result, stored source text)."""
    source = write(tmp_path / "corpus", "source.md", source_text)
    draft = write(tmp_path, "draft.md", draft_text)
    with index_of(tmp_path, source) as index:
        [result] = check_documents([str(draft)], index)
        [entry] = index.list()
        stored = index.get(entry["id"]).text
    return result, stored


def test_quote_after_heading_and_lead_in_counts_only_its_own_words(tmp_path):
    from compliance.reuse.normalize import tokenize

    assert len(tokenize(QUOTE)) == 45
    result, _ = check_pair(tmp_path, HARBOUR_SOURCE, HARBOUR_DRAFT)
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
    result, stored = check_pair(tmp_path, HARBOUR_SOURCE, HARBOUR_DRAFT.replace("„", "„Die Hafenzeitung: "))
    [m] = result.matches
    assert result.document.text[m.draft_start:m.draft_end] == m.draft_text
    assert stored[m.source_start:m.source_end] == m.source_text


def test_lead_in_shared_with_the_source_is_not_part_of_the_quote(tmp_path):
    """The source says "Die Hafenzeitung schreibt am Montag: …" and the draft "Die Hafenzeitung schreibt: „…“":
    the shared lead-in joins the passage, but a quote's words are those inside its quotation marks."""
    source = HARBOUR_SOURCE.replace(f"\n{QUOTE}", f"\nDie Hafenzeitung schreibt am Montag: {QUOTE}")
    result, stored = check_pair(tmp_path, source, HARBOUR_DRAFT)
    [m] = result.matches
    assert m.draft_text == QUOTE and stored[m.source_start:m.source_end] == QUOTE
    assert m.words == 45 and m.similarity == 1.0


# -- templates are not reuse; a paraphrase is ---------------------------------------------------------------

MATCH_REPORT = """# Landesliga, {day}. Spieltag: {home} – {away} {score}

{home}: {lineup_home}. Trainer: {coach_home}.

{away}: {lineup_away}. Trainer: {coach_away}.

Tore: {goals}. Gelbe Karten: {cards}. Schiedsrichter: {referee}. Zuschauer: {crowd}.

Tabelle: {table}.
"""
REPORT_A = MATCH_REPORT.format(
    day=12, home="SV Nordheim", away="TuS Eichenau", score="3:1",
    lineup_home="Brandt – Kowalski, Hermann, Vogt, Lindner – Krause (78. Beck), Schreiber, Pohl – Jansen, "
                "Albrecht (65. Frank), Ziegler", coach_home="Martin Seidel",
    lineup_away="Gross – Dietrich, Kuhn, Engel, Horn – Busch, Voigt (70. Sauer), Haas – Graf, Pfeiffer, "
                "Roth (82. Arnold)", coach_away="Uwe Lorenz",
    goals="1:0 Jansen (12.), 2:0 Ziegler (34.), 2:1 Pfeiffer (51.), 3:1 Albrecht (63.)",
    cards="Schreiber, Pohl – Kuhn, Haas", referee="Thomas Möller (Bergdorf)", crowd=350,
    table="1. SV Nordheim 12 Spiele 28 Punkte, 2. FC Talstadt 12 Spiele 25 Punkte, 3. TuS Eichenau 12 Spiele "
          "22 Punkte, 4. SpVgg Oberau 11 Spiele 20 Punkte, 5. VfR Lindental 12 Spiele 18 Punkte")
REPORT_B = MATCH_REPORT.format(
    day=13, home="FC Talstadt", away="SpVgg Oberau", score="2:2",
    lineup_home="Winkler – Baumann, Franke, Schuster, Keller – Lang (74. Berger), Huber, Kaiser – Fuchs, "
                "Peters (60. Scholz), Möller", coach_home="Peter Hartmann",
    lineup_away="Schwarz – Zimmermann, Braun, Krüger, Hofmann – Hartung, Schmitt (68. Werner), Lange – Schmid, "
                "Meyer, Wolf (85. Neumann)", coach_away="Klaus Schulze",
    goals="1:0 Fuchs (8.), 1:1 Meyer (29.), 2:1 Möller (56.), 2:2 Schmid (88.)",
    cards="Huber, Kaiser – Braun, Lange", referee="Frank Richter (Waldheim)", crowd=420,
    table="1. FC Talstadt 13 Spiele 29 Punkte, 2. SC Birkenfeld 13 Spiele 26 Punkte, 3. SpVgg Oberau 13 Spiele "
          "25 Punkte, 4. TSV Wiesental 12 Spiele 21 Punkte, 5. SV Moosbach 13 Spiele 21 Punkte")

SOLAR = """# Stadtwerke testen schwimmende Solaranlage

Die Stadtwerke haben im vergangenen Frühjahr die ersten vierzig Solarmodule auf Pontons im alten Hafenbecken
verankert. Seitdem messen die Ingenieure, wie viel Strom die Anlage bei Sturm, Nebel und gelegentlichen
Zusammenstößen mit neugierigen Robben liefert. Weil das Wasser die Module kühlt, erzeugen sie an heißen
Nachmittagen rund acht Prozent mehr Strom als baugleiche Module auf den Dächern der benachbarten Lagerhallen. Die
Betreiber wollen die Anlage im kommenden Jahr auf das gesamte Becken ausweiten, sofern die Genehmigungsbehörde
zustimmt.
"""
SOLAR_PARAPHRASE = """# Energie

Vierzig Solarmodule, verankert auf Pontons im alten Hafenbecken: Damit haben die Stadtwerke im letzten Frühjahr
begonnen. Bei Nebel, Sturm und sogar bei Kollisionen mit neugierigen Robben messen die Ingenieure seither die
Strommenge der Anlage. An heißen Nachmittagen liefern die Module rund acht Prozent mehr Strom als gleiche Module auf
Dächern benachbarter Lagerhallen, denn das Wasser kühlt sie. Das ganze Becken soll im nächsten Jahr folgen, wenn die
Genehmigungsbehörde zustimmt, sagen die Betreiber.
"""


def test_match_reports_of_one_league_share_a_template_not_text(tmp_path):
    """Two line-ups with results and standings: the same labels, scores and ranks, different names and numbers
    (was a 52-word passage at similarity 0.38)."""
    result, _ = check_pair(tmp_path, REPORT_A, REPORT_B)
    assert result.matches == []


def test_paraphrase_below_the_template_floor_still_matches(tmp_path):
    from compliance.reuse.align import AlignParams

    result, _ = check_pair(tmp_path, SOLAR, SOLAR_PARAPHRASE)
    [m] = result.matches
    assert m.similarity < AlignParams().template_similarity and m.words > 60
    assert m.draft_text.startswith("Vierzig Solarmodule") and "wenn die\nGenehmigungsbehörde" in m.draft_text


# -- comments, suppressions and front matter are not prose -----------------------------------------------------

WIRE = """# Bahnstreik legt Fernverkehr lahm

Nach einer Meldung von dpa müssen sich Reisende am Montag auf massive Einschränkungen im Fernverkehr einstellen. Die
Lokführergewerkschaft hat ihre Mitglieder zu einem ganztägigen Ausstand aufgerufen, nachdem die Tarifverhandlungen in
der vergangenen Woche ohne Ergebnis abgebrochen worden waren. Nach Angaben des Konzerns soll ein Notfahrplan etwa ein
Fünftel der üblichen Verbindungen sichern. Im Regionalverkehr rechnet die Bahn mit großen regionalen Unterschieden.
"""
COPIED = WIRE.split("\n\n", 1)[1].replace("Nach einer Meldung von dpa müssen sich Reisende", "Müssen sich Reisende")


@pytest.mark.parametrize("reason", ["licensed from dpa", "Foto und Text: dpa"])
def test_suppression_naming_the_source_still_suppresses(tmp_path, reason):
    """The comment's last word ("dpa") and the paragraph after it were one passage starting in the comment, so
    the suppression (which covers the next block) silenced nothing; "Text: dpa" was an agency credit pasted
    into the draft."""
    draft = f'# Streik\n\n<!-- compliance: ignore exceeds-quote-limit reason="{reason}" -->\n{COPIED}'
    result, _ = check_pair(tmp_path, WIRE, draft)
    [m] = result.matches
    assert m.draft_text.startswith("Müssen sich Reisende")
    [v] = result.verdicts
    assert v.verdict == "exceeds-quote-limit" and v.suppressed
    assert result.warnings == [] and result.notices == []


def test_comments_and_front_matter_are_not_matched(tmp_path):
    """Text in front matter fields and in HTML comments (a block, or inside a paragraph) is never a passage."""
    sentences = COPIED.replace("\n", " ").split(". ")
    draft = (f"---\nsummary: {sentences[1]}.\n---\n\n# Streik\n\n<!-- {sentences[2]}. -->\n\n"
             f"Unsere eigene Zusammenfassung folgt. <!-- {sentences[3]} --> Mehr dazu morgen.\n")
    result, _ = check_pair(tmp_path, WIRE, draft)
    assert result.matches == []
    doc = result.document
    assert "Notfahrplan" not in doc.plain and "Zusammenfassung folgt.  Mehr dazu" in doc.plain


# -- a corpus document checked as a draft ----------------------------------------------------------------------

def test_draft_in_the_corpus_is_not_its_own_source(tmp_path):
    """Pre-commit over a repository whose corpus is its own Markdown: the draft is skipped as a source (and the
    report says so), other sources still match; an edited draft is not matched with its indexed older self."""
    draft = write(tmp_path / "corpus", "streik.md", f"# Streik\n\n{COPIED}")
    wire = write(tmp_path / "corpus", "wire.md", WIRE)
    with index_of(tmp_path, draft, wire) as index:
        [result] = check_documents([str(draft)], index)
        assert [Path(m.source.path).name for m in result.matches] == ["wire.md"]
        assert [w.message for w in result.warnings] == [f"skipped {draft}: the draft itself"]
        draft.write_text(f"# Streik\n\nEin neuer erster Absatz.\n\n{COPIED}", encoding="utf-8")
        [edited] = check_documents([str(draft)], index)
    assert [Path(m.source.path).name for m in edited.matches] == ["wire.md"]
