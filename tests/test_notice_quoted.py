"""A notice quoted inside running text is the page talking about a notice, not having one
(compliance.detect.quoted; the thresholds are the ``quoted:`` section of rules/notices/common.yaml)."""

from __future__ import annotations

import pytest
from conftest import engine_for

from compliance.detect.notices import NoticeEngine
from compliance.errors import RuleError
from compliance.readers.plain import build_plain_document
from compliance.ruleset.loader import load_ruleset
from compliance.ruleset.model import VetoSettings

BAN = r"""
  - id: t.ban
    kind: reproduction-ban
    languages: [en]
    keywords: [may be reproduced]
    patterns: ['no part of this (?:book|site) may be reproduced[^.,\n“”"]*']
    message: Ban.
"""
QUOTED = "quoted: {inside_share: 0.8, quote_share: 0.5, outside_letters: 15}\n"


def kinds(engine: NoticeEngine, text: str) -> list[str]:
    return [n.kind for n in engine.scan(build_plain_document(text, "t.txt"))]


@pytest.fixture(scope="module")
def shipped() -> NoticeEngine:
    return NoticeEngine(load_ruleset())


def test_a_notice_quoted_in_a_sentence_is_dropped(tmp_path):
    engine = engine_for(tmp_path, BAN, QUOTED)
    quoted = "Now the wording in the new edition states: “No part of this book may be reproduced in any form.”"
    assert kinds(engine, quoted) == []
    # the same words as the page's own notice, or a line that is only the quotation, stay notices
    assert kinds(engine, "No part of this book may be reproduced in any form.") == ["reproduction-ban"]
    assert kinds(engine, "“No part of this book may be reproduced in any form.”") == ["reproduction-ban"]


def test_without_the_section_nothing_is_dropped(tmp_path):
    engine = engine_for(tmp_path, BAN)
    assert kinds(engine, "The wording in the new edition states: “No part of this book may be reproduced.”") == [
        "reproduction-ban"]


def test_a_few_quoted_words_inside_a_notice_do_not_make_it_quoted(tmp_path):
    engine = engine_for(tmp_path, BAN, QUOTED)
    # the finding covers a small share of a long quotation: a title that holds the words, not the notice
    text = ("The publisher printed the title “Why no part of this book may be reproduced, and other stories "
            "about the strange history of copyright, censorship and the printing trade in Europe” on the cover.")
    assert kinds(engine, text) == ["reproduction-ban"]


def test_shipped_rules_drop_quoted_disclaimers_but_keep_quoted_licence_names(shipped):
    assert "disclaimer" not in kinds(shipped, "“Past performance is no guarantee of future results” is a "
                                              "disclaimer found on nearly every financial prospectus.")
    assert "disclaimer" in kinds(shipped, "Past performance is no guarantee of future results.")
    licence = ('Dieses Buch unterliegt der Creative Commons Lizenz "Namensnennung-Weitergabe unter gleichen '
               'Bedingungen 3.0 Unported (CC BY-SA 3.0)".')
    assert "license" in kinds(shipped, licence)


def test_publisher_rules_are_kept_when_quoted(shipped):
    text = ("Der Verlag schreibt unter jeden Artikel: „Die Reproduktion, Modifikation oder Verwendung der Inhalte "
            "ganz oder teilweise ohne schriftliche Genehmigung ist untersagt!“")
    found = shipped.scan(build_plain_document(text, "t.txt"))
    assert any(n.kind == "reproduction-ban" and n.publisher for n in found)


def test_a_notice_shown_as_an_example_is_dropped(tmp_path):
    engine = engine_for(tmp_path, BAN, QUOTED.rstrip("}\n") + ", example_labels: ['example:', 'e.g.']}\n")
    assert kinds(engine, "Example: No part of this book may be reproduced in any form.") == []
    assert kinds(engine, "  - E.g. no part of this book may be reproduced without consent") == []
    # the label must open the line before the finding: elsewhere it is ordinary text
    assert kinds(engine, "No part of this book may be reproduced. Example: a review.") == ["reproduction-ban"]
    assert kinds(engine, "Examples abound.\nNo part of this book may be reproduced.") == ["reproduction-ban"]


def test_shipped_labels_drop_example_notices_in_several_languages(shipped):
    assert kinds(shipped, "Example: Copyright © 2015 Jane Doe. All rights reserved.") == []
    assert kinds(shipped, "Ex: © Nom de la photo / Nom de l’auteur") == []
    assert "copyright" in kinds(shipped, "Copyright © 2015 Jane Doe. All rights reserved.")


def test_bad_thresholds_are_a_rule_error_naming_the_file(tmp_path):
    with pytest.raises(RuleError) as err:
        engine_for(tmp_path, BAN, "quoted: {inside_share: 2}\n")
    assert "pack.yaml" in str(err.value) and "inside_share" in str(err.value)


# -- the scorer vetoes only what it can read (rule data `veto.min_known`) ------------------------------------

def test_the_scorer_cannot_read_a_script_it_never_saw(shipped):
    assert not shipped.reads("هرگونه کپی‌برداری از مطالب سایت بدون اجازه کتبی ممنوع است.")
    assert not shipped.reads("אין להעתיק את התכנים באתר ללא אישור בכתב.")
    assert shipped.reads("Die Inhalte dieser Seite dürfen nicht ohne Genehmigung kopiert werden.")
    assert shipped.reads("No part of this site may be reproduced without our written permission.")


def test_a_rule_finding_the_scorer_cannot_read_stands(shipped, monkeypatch):
    text = "هرگونه کپی‌برداری از مطالب سایت بدون اجازه کتبی ممنوع است."
    assert "reproduction-ban" in kinds(shipped, text)
    # the switch is the rule setting: at 0 the scorer reads everything, so nothing can be kept for being unread
    monkeypatch.setattr(shipped.rules.ruleset, "veto", VetoSettings(min_known=0.0))
    assert shipped.reads(text)


def test_a_source_line_naming_a_quoted_title_is_kept(shipped):
    text = ("Excerpted from “Superminds: The Surprising Power of People and Computers Thinking Together”. "
            "Copyright © 2018 by Jane Doe. Reprinted by permission of the publisher.")
    assert "attribution" in kinds(shipped, text)
