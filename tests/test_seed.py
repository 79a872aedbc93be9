"""The user's seed article: every notice of its Rohstoff-Welt.de footer, and nothing in its body.

The seed is read from ../shared/seed (never copied into the repository). Its footer carries a
reproduction ban, a copyright line with a year range, the publisher's attribution with the article URL,
an editorial credit, disclaimers, and the body reports from Mining.com.
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from compliance.pipeline import scan_notices
from tests.conftest import SEED

pytestmark = pytest.mark.skipif(not SEED.exists(), reason="seed article not available (../shared/seed)")


@lru_cache(maxsize=1)
def result():
    (res,) = scan_notices([str(SEED)])
    return res


def notices(kind: str):
    return [n for n in result().notices if n.kind == kind]


def test_reproduction_ban_is_the_publishers():
    (ban,) = notices("reproduction-ban")
    assert ban.rule == "rohstoff-welt.reproduction-ban"
    assert ban.publisher == "Rohstoff-Welt.de"
    assert ban.severity == "error"
    assert ban.text.startswith("Die Reproduktion, Modifikation oder Verwendung der Inhalte")
    assert ban.text.endswith("ist untersagt!")
    assert ban.links, "a reproduction ban cites its legal basis"


def test_copyright_line_with_year_range():
    (line,) = [n for n in notices("copyright") if "Copyright" in n.text]
    assert line.text == "Copyright © by Rohstoff-Welt.de -1999-2026"
    assert line.years == [1999, 2026]
    assert line.holder == "Rohstoff-Welt.de"
    assert line.publisher == "Rohstoff-Welt.de"


def test_attribution_names_publisher_and_url():
    (attr,) = [n for n in notices("attribution") if n.role == "publisher"]
    assert attr.publisher == "Rohstoff-Welt.de"
    assert attr.urls == ["https://www.rohstoff-welt.de/news/694003--Japan-schlaegt-den-USA-Zusammenarbeit-"
                         "bei-seltenen-Erden-vor.html"]


def test_editorial_credit_is_the_author():
    (credit,) = [n for n in result().notices if "Redaktion" in n.text]
    assert credit.role == "author"
    assert credit.publisher == "MinenPortal.de"
    assert "MinenPortal.de" in (credit.holder or "")


def test_mining_com_is_the_reported_source():
    (report,) = [n for n in notices("attribution") if n.role == "source"]
    assert report.publisher == "Mining.com"
    prov = result().provenance
    assert prov.source == ["Mining.com"]
    assert prov.publisher == "Rohstoff-Welt.de"
    assert prov.author == ["MinenPortal.de"]


def test_disclaimers_are_not_rights():
    texts = [n.text for n in notices("disclaimer")]
    expected = ["Alle Angaben ohne Gewähr", "Aufforderung zum Kauf", "allein der Autor verantwortlich",
                "Fehler nicht ausgeschlossen", "Meinung des Webseiten-Betreibers"]
    for phrase in expected:
        assert any(phrase in t for t in texts), (phrase, texts)
    assert all(n.severity == "info" for n in notices("disclaimer"))
    # none of the disclaimer sentences is reported as a rights notice as well
    rights = [n for n in result().notices if n.kind in ("reproduction-ban", "all-rights-reserved", "license",
                                                         "tdm-reservation")]
    assert all("Gewähr" not in n.text and "Wertpapier" not in n.text for n in rights)


def test_body_paragraphs_yield_nothing_but_the_report_credit():
    doc = result().document
    paragraphs = [b for b in doc.blocks if b.kind == "paragraph"]
    body = paragraphs[1:5]  # the four article paragraphs after the date line
    assert body[0].start < body[-1].end
    inside = [n for n in result().notices
              if any(b.start <= n.start_offset < b.end for b in body)]
    assert [n.rule for n in inside] == ["de.attribution.berichtet"], [(n.rule, n.text) for n in inside]


def test_offsets_point_at_the_notice_text():
    doc = result().document
    for n in result().notices:
        assert doc.text[n.start_offset:n.end_offset] == n.text
        assert n.start == doc.position(n.start_offset)
        assert n.end == doc.position(n.end_offset)
