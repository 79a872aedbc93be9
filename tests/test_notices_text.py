"""The ``notices`` text report at 80 columns: plain text (no Markdown link syntax), words never broken, and
per file what its notices allow, in the very line ``check`` prints for the same document as a source."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from compliance.pipeline import scan_notices
from compliance.report.notices_text import INDENT, display_text, render_notices
from tests.conftest import SEED

needs_seed = pytest.mark.skipif(not SEED.exists(), reason="seed article not available (../shared/seed)")


def _render(results, width: int = 80) -> str:
    buf = io.StringIO()
    render_notices(results, Console(file=buf, width=width, color_system=None, highlight=False))
    return buf.getvalue()


@pytest.mark.parametrize(("raw", "shown"), [
    ("berichtet [Mining.com", "berichtet Mining.com"),  # the notice span ends inside the link
    ("Dieser Artikel stammt von [Rohstoff-Welt.de](#)", "Dieser Artikel stammt von Rohstoff-Welt.de"),
    ("Es gelten unsere [AGB](https://x.example/agb) und\n**Regeln**",
     "Es gelten unsere AGB (https://x.example/agb) und Regeln"),
    ("lautet: <https://x.example/a.html>", "lautet: https://x.example/a.html"),
    ("lautet:\n\n<https://x.example/a.html", "lautet: https://x.example/a.html"),
    ("[javascript](javascript:alert(1)) ok", "javascript ok"),
])
def test_notice_text_is_shown_without_markdown(raw, shown):
    assert display_text(raw) == shown


@needs_seed
def test_seed_notices_at_80_columns_are_plain_and_words_are_whole():
    (result,) = scan_notices([str(SEED)])
    out = _render([result])
    lines = [line.rstrip() for line in out.splitlines()]
    assert all(len(line) <= 80 for line in lines)
    assert "[Mining.com" not in out and "](#)" not in out and "<https" not in out
    assert "    berichtet Mining.com" in lines
    words = out.split()
    for n in result.notices:
        assert n.rule in words  # rule ids whole, not "de.attributio" + "n.berichtet"
        for word in display_text(n.text).split():
            if len(word) <= 80 - INDENT:  # only a word longer than the line (a long URL) may be folded
                assert word in words, (word, n.rule)


@needs_seed
def test_each_file_ends_with_what_its_notices_allow():
    (result,) = scan_notices([str(SEED)])
    lines = [line.rstrip() for line in _render([result], width=200).splitlines()]
    line = result.permissions.line()
    assert line.startswith("Rohstoff-Welt.de — quote: ") and line.endswith("store: no · reproduce: no")
    assert line in lines and lines.index(line) > max(i for i, x in enumerate(lines) if x.startswith("provenance:"))


@needs_seed
def test_the_file_line_is_the_line_check_prints_for_it_as_a_source(tmp_path, cli):
    from compliance.reuse.pipeline import check_documents

    index = tmp_path / "index.sqlite"
    assert cli("corpus", "add", SEED, "--index", index, "-q").code == 0
    body = SEED.read_text(encoding="utf-8").split("\n\n")
    paragraph = next(p for p in body if len(p.split()) > 60)
    draft = tmp_path / "draft.md"
    draft.write_text(f"# Entwurf\n\n{paragraph}\n", encoding="utf-8")
    (checked,) = check_documents([str(draft)], str(index))
    (source,) = checked.sources
    (own,) = scan_notices([str(SEED)])
    assert own.permissions.line() == source.line()


@needs_seed
def test_cli_notices_prints_the_file_line(cli):
    run = cli("notices", SEED)
    assert run.code == 0, run.err
    assert re.search(r"^Rohstoff-Welt\.de — quote: .* · store: no · reproduce: no$", run.out, re.M)
    assert "[Mining.com" not in run.out
