"""A gate never passes what it did not read: skipped files are counted and named, binary documents (PDF,
Word) are refused with a hint, an empty corpus or an empty input is not a green check, and the project's
index and baseline are found the way the config is."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, build_index

CORPUS = ROOT / "fixtures" / "corpus"
SHOWCASE = ROOT / "fixtures" / "drafts" / "showcase.md"
CLEAN = ROOT / "fixtures" / "drafts" / "clean.md"


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    return build_index(tmp_path_factory.mktemp("corpus") / "corpus.sqlite", CORPUS)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """An empty project directory as the working directory (no config found above it)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


# -- the index and the baseline are found from a subdirectory ---------------------------------------------


def test_check_finds_the_index_from_a_subdirectory(cli, project, index, monkeypatch):
    (project / ".compliance").mkdir()
    shutil.copy(index, project / ".compliance" / "corpus.sqlite")
    sub = project / "docs" / "drafts"
    sub.mkdir(parents=True)
    shutil.copy(SHOWCASE, sub / "showcase.md")
    monkeypatch.chdir(sub)
    res = cli("check", "showcase.md", "--format", "json")
    assert res.code == 1, res.err
    assert any(f["verdicts"] for f in json.loads(res.out)["files"])
    stats = cli("corpus", "stats", "--format", "json")
    assert stats.code == 0, stats.err
    assert json.loads(stats.out)["documents"] > 0


# -- binary documents are refused by their signature, with a hint ----------------------------------------

PDF_BYTES = (b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
             b"stream\nBT (Hallo Welt) Tj ET\nendstream\n%%EOF\n")


def docx_bytes() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document>Hallo Welt</w:document>")
    return buf.getvalue()


def odt_bytes() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<office:document-content/>")
    return buf.getvalue()


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("name, data, hint", [
    ("draft.pdf", PDF_BYTES, "a PDF, not text; convert it first: pdftotext draft.pdf draft.txt"),
    ("draft.txt", PDF_BYTES, "a PDF, not text; convert it first: pdftotext draft.txt draft.txt.txt"),
    ("draft.md", PDF_BYTES, "a PDF"),
    ("draft.docx", docx_bytes(), "a Word document, not text; convert it first: pandoc draft.docx"),
    ("draft.odt", odt_bytes(), "an OpenDocument text, not text; convert it first: pandoc draft.odt"),
], ids=["pdf", "pdf-named-txt", "pdf-named-md", "docx", "odt"])
def test_check_refuses_binary_documents_with_a_hint(cli, project, index, name, data, hint):
    (project / name).write_bytes(data)
    res = cli("check", name, "--corpus", str(index))
    assert res.code == 2
    line = one_line(res.err)
    assert line.startswith(f"compliance: error: {name}: ") and hint in line, line


def test_stdin_pdf_is_refused(cli, project, index):
    res = cli("check", "-", "--corpus", str(index), stdin=PDF_BYTES)
    assert res.code == 2
    assert "a PDF, not text" in one_line(res.err)


def test_notices_refuses_a_pdf(cli, project):
    (project / "draft.txt").write_bytes(PDF_BYTES)
    res = cli("notices", "draft.txt")
    assert res.code == 2 and "a PDF, not text" in one_line(res.err)


def test_corpus_add_refuses_a_named_pdf_and_skips_one_in_a_walk(cli, project):
    (project / "src").mkdir()
    (project / "src" / "scan.txt").write_bytes(PDF_BYTES)
    shutil.copy(CORPUS / "erzkurier-lithium.md", project / "src")
    named = cli("corpus", "add", "src/scan.txt", "--index", "idx.sqlite", "-q")
    assert named.code == 2 and "src/scan.txt: a PDF, not text" in one_line(named.err)
    walked = cli("corpus", "add", "src", "--index", "idx.sqlite")
    assert walked.code == 0, walked.err
    assert "scan.txt: a PDF, not text" in walked.err and "1 added" in walked.out


def test_audit_makes_a_pdf_page_an_error_record(cli, project):
    (project / "page.html").write_bytes(PDF_BYTES)
    out = project / "records.jsonl"
    res = cli("audit", "page.html", "-o", str(out), "--jobs", "1")
    assert res.code == 1, res.err  # an unreadable document reaches --fail-on error
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert "a PDF, not text" in records[0]["error"]
