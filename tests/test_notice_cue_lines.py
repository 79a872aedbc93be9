"""Reading only some lines for cue words must give the findings of reading every line.

The notice engine keeps the cue literals out of its rule automaton except those that make a line worth
reading (or may span a line break), and reads cue words only on those lines and the rule findings' lines
(``NoticeEngine._read_cues``). The reference here is the same engine made to read every cue word in the
text (what it does when a cue spans a line break), on text built to be awkward: overlapping cues,
non-ASCII and case-irregular letters, CRLF, blank and indented lines, very long lines, cues split by a line
break.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.detect.notices import NoticeEngine
from compliance.ruleset.loader import load_ruleset

ROOT = Path(__file__).resolve().parent.parent

FRAGMENTS = [
    "Photo: Jane Miller", "Foto: dpa", "Bildnachweis: Stadtarchiv Kiel", "Source: Harbour Ledger",
    "By Mara Lind", "by the way", "Quelle: Stadtanzeiger Nord", "(AP)", "© 2024 Example Media GmbH",
    "All rights reserved.", "all rights", "reserved", "Copyright", "copying", "prohibited",
    "without the prior written permission of the publisher", "prior written", "without prior permission",
    "Reproduction in whole or in part is prohibited without permission.",
    "Kopien, auch auszugsweise, bedürfen unserer vorherigen schriftlichen Zustimmung.",
    "ÜBERNAHME NUR MIT GENEHMIGUNG", "Alle Rechte vorbehalten.", "Nachdruck verboten.",
    "Все права защищены. Перепечатка запрещена.", "İzinsiz kopyalanamaz, tüm hakları saklıdır.",
    "转载请注明出处", "本サイトの記事の無断転載を禁じます。", "Όλα τα δικαιώματα διατηρούνται.",
    "The KELVIN \u212a sign and \u0130stanbul", "Text and data mining is reserved; AI training is not permitted.",
    "This work is available under the Creative Commons Attribution 4.0 International licence.",
    "The views expressed are those of the author.", "Past performance is not indicative of future results.",
    "Please copy the configuration file into your home directory.", "Download the data and store it.",
    "The data would be used", "sa ", "would ", "be used", "Read the full story at the Harbour Ledger.",
    "Die Rechte an den Texten liegen beim Verfasser.", "the sole property of", "Licensed under the GPL",
    "x" * 40, "word " * 80,
]
SEPARATORS = ["\n", " ", "\r\n", "\n\n", "  \n ", "\t", ". ", " | ", "\n\n\n", "\n   "]


@pytest.fixture(scope="module")
def engines() -> list[NoticeEngine]:
    rules = load_ruleset()
    return [NoticeEngine(rules, model=True), NoticeEngine(rules, model=False, cues=True)]


def _findings(engine: NoticeEngine, text: str, every_line: bool) -> list[tuple]:
    if every_line:
        engine._lines_to_read = lambda *args: None  # as when a cue spans a line break: every cue word is read
    try:
        return [(m.rule.rule.id, m.start, m.end, m.score, m.cues) for m in engine.match_text(text)]
    finally:
        engine.__dict__.pop("_lines_to_read", None)


def _same(engines: list[NoticeEngine], text: str) -> None:
    for engine in engines:
        assert _findings(engine, text, False) == _findings(engine, text, True), (engine.model, text[:200])


@pytest.mark.parametrize("text", [
    "Photo: Jane Miller\r\nAll rights reserved © 2020 Example\r\n",
    "Reproduction\nprohibited without the prior\nwritten permission.",  # cues split by line breaks
    "all rights\r\n   reserved\n\nSource: dpa",
    "   Source: dpa\n\tFoto: Reuters\n\n\n© Example",
    "word " * 5000 + "Copying of this article is prohibited without permission. " + "more " * 3000,
    "Photo: Jane Miller" + "\n" + "x" * 299 + " Source: dpa\n" + "y" * 301 + " Source: dpa",
    "Все права защищены.\nПерепечатка запрещена без разрешения редакции.\nФото: ТАСС",
    "İzinsiz kopyalanamaz.\n\u212aopyalama yasaktır. Tüm hakları saklıdır.",
    "本サイトの記事の無断転載を禁じます。\n转载请注明出处\n写真：共同通信",
    "",
    "Source:",
])
def test_cue_lines_read_as_every_line(engines, text):
    _same(engines, text)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(FRAGMENTS), st.sampled_from(SEPARATORS)), max_size=14))
def test_random_texts_read_as_every_line(engines, parts):
    _same(engines, "".join(f + s for f, s in parts))


def test_dev_lines_read_as_every_line(engines):
    lines = [json.loads(line)["text"] for line in (ROOT / "fixtures/notices/real/dev.jsonl").open(encoding="utf-8")]
    for i in range(0, len(lines), 12):
        _same(engines, "\n".join(lines[i:i + 12]))
        _same(engines, " ".join(lines[i:i + 6]) + "\r\n" + "\n\n".join(lines[i + 6:i + 12]))


def test_cue_hits_of_the_read_lines_are_those_of_the_whole_text(engines):
    engine = engines[0]
    text = "Download it here.\nPhoto: Jane Miller (AP)\n" + "data " * 100 + "\nQuelle: dpa, Übernahme verboten"
    hits, raw = engine.keywords.scan(text)
    read = engine._read_cues(text, hits, raw, [])
    assert read and set(read) <= set(engine.cue_hits(text))
    assert {text.count("\n", 0, start) for _, start, _ in read} == {1, 3}  # the lines that can come to something


def test_trigger_slots_hold_a_slot_of_every_frame(engines):
    cues = engines[0].cues
    framing = cues.trigger_slots(False, engines[0]._framed_only)
    for frame in cues.frames:
        assert set(frame.all) & framing or any(set(group) <= framing for group in frame.any)
    assert framing <= cues.trigger_slots(True, engines[0]._framed_only)
