"""A gate never passes what it did not read: skipped files are counted and named, binary documents (PDF,
Word) are refused with a hint, an empty corpus or an empty input is not a green check, and the project's
index and baseline are found the way the config is."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, assert_skips_reported, build_index, one_line

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


def zip_bytes(members: dict[str, str]) -> bytes:
    """A ZIP archive in memory: Word and OpenDocument files are ZIPs told apart by their members."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return buf.getvalue()


DOCX = zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document>Hallo</w:document>"})
ODT = zip_bytes({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office/>"})


@pytest.mark.parametrize("name, data, hint", [
    ("draft.pdf", PDF_BYTES, "a PDF, not text; convert it first: pdftotext draft.pdf draft.txt"),
    ("draft.txt", PDF_BYTES, "a PDF, not text; convert it first: pdftotext draft.txt draft.txt.txt"),
    ("draft.md", PDF_BYTES, "a PDF"),
    ("draft.docx", DOCX, "a Word document, not text; convert it first: pandoc draft.docx"),
    ("draft.odt", ODT, "an OpenDocument text, not text; convert it first: pandoc draft.odt"),
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
    assert walked.err.count("src/scan.txt: a PDF") == 1, walked.err  # the warning names the file once


def test_audit_makes_a_pdf_page_an_error_record(cli, project):
    (project / "page.html").write_bytes(PDF_BYTES)
    out = project / "records.jsonl"
    res = cli("audit", "page.html", "-o", str(out), "--jobs", "1")
    assert res.code == 1, res.err  # an unreadable document reaches --fail-on error
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert "a PDF, not text" in records[0]["error"]


# -- a walk says what it skipped; nothing read is exit 2 -------------------------------------------------


def unreadable_tree(root: Path) -> Path:
    """A drafts directory with no file any reader takes by default."""
    drafts = root / "drafts"
    drafts.mkdir()
    (drafts / "post.mdx").write_text("# Titel\n\nEin Absatz.\n", encoding="utf-8")
    (drafts / "guide.rst").write_text("Titel\n=====\n\nText.\n", encoding="utf-8")
    (drafts / "scan.pdf").write_bytes(PDF_BYTES)
    (drafts / "memo.docx").write_bytes(DOCX)
    return drafts


@pytest.mark.parametrize("setup", ["empty", "unreadable"])
def test_check_of_a_directory_with_nothing_to_read_is_exit_2(cli, project, index, setup):
    drafts = unreadable_tree(project) if setup == "unreadable" else project / "drafts"
    drafts.mkdir(exist_ok=True)
    res = cli("check", "drafts", "--index", str(index))
    assert res.code == 2 and res.out == ""
    line = one_line(res.err)
    assert line.startswith("compliance: error: drafts: nothing to read"), line
    if setup == "unreadable":
        assert "4 skipped (.docx: 1, .mdx: 1, .pdf: 1, .rst: 1)" in line and "--include" in line
    else:
        assert "no files" in line


def test_every_format_counts_the_skipped_files(cli, project, index):
    unreadable_tree(project)
    shutil.copy(CLEAN, project / "drafts" / "clean.md")
    expected = "in 1 file; 4 skipped (.docx: 1, .mdx: 1, .pdf: 1, .rst: 1)"
    text = cli("check", "drafts", "--index", str(index))
    assert text.code == 0, text.err
    assert text.out.rstrip().splitlines()[-1].endswith(expected)
    assert "drafts/scan.pdf: a PDF, not text" in text.out and "drafts/post.mdx: .mdx is not read" in text.out
    data = json.loads(cli("check", "drafts", "--index", str(index), "-f", "json").out)
    assert data["version"] == 1 and [f["path"] for f in data["files"]] == ["drafts/clean.md"]
    assert {"path", "notices", "matches", "verdicts"} <= set(data["files"][0])
    summary = data["summary"]
    assert summary["files"] == 1 and summary["skipped_by"] == {".docx": 1, ".mdx": 1, ".pdf": 1, ".rst": 1}
    assert {s["path"] for s in summary["skipped"]} == {f"drafts/{n}" for n in
                                                        ("post.mdx", "guide.rst", "scan.pdf", "memo.docx")}
    for fmt in ("github", "markdown", "html"):
        out = cli("check", "drafts", "--index", str(index), "-f", fmt).out
        assert "4 skipped" in out and ".pdf: 1" in out, fmt
        if fmt != "github":  # the list of files, each with why (github's table goes to the step summary)
            assert "Not checked" in out and "drafts/scan.pdf: a PDF, not text" in out, fmt
    sarif = json.loads(cli("check", "drafts", "--index", str(index), "-f", "sarif").out)
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == 4 and any("a PDF" in n["message"]["text"] for n in notes)


def test_include_and_extensions_read_other_suffixes(cli, project, index):
    drafts = unreadable_tree(project)
    shutil.copy(SHOWCASE, drafts / "showcase.mdx")
    included = json.loads(cli("check", "drafts", "--index", str(index), "-f", "json", "--include", "*.mdx").out)
    paths = {f["path"] for f in included["files"]}
    assert paths == {"drafts/post.mdx", "drafts/showcase.mdx"}
    assert any(f["verdicts"] for f in included["files"])  # read as Markdown: the reused passages are found
    assert included["summary"]["skipped_by"] == {".docx": 1, ".pdf": 1, ".rst": 1}
    (project / ".compliance.toml").write_text('extensions = { ".mdx" = "markdown", rst = "text" }\n',
                                              encoding="utf-8")
    configured = json.loads(cli("check", "drafts", "--index", str(index), "-f", "json").out)
    assert {f["path"] for f in configured["files"]} == paths | {"drafts/guide.rst"}
    assert configured["summary"]["skipped_by"] == {".docx": 1, ".pdf": 1}


def test_unknown_reader_in_extensions_is_a_config_error(cli, project, index):
    (project / ".compliance.toml").write_text('extensions = { ".mdx" = "jsx" }\n', encoding="utf-8")
    shutil.copy(CLEAN, project / "clean.md")
    res = cli("check", "clean.md", "--index", str(index))
    assert res.code == 2 and ".compliance.toml" in one_line(res.err)


def test_an_empty_draft_is_not_a_clean_draft(cli, project, index):
    (project / "empty.md").write_text("\n  \n", encoding="utf-8")
    res = cli("check", "empty.md", "--index", str(index))
    assert res.code == 2 and "empty.md: nothing to check: 1 skipped (empty: 1)" in one_line(res.err)
    shutil.copy(CLEAN, project / "clean.md")
    both = cli("check", "empty.md", "clean.md", "--index", str(index))
    assert both.code == 0 and both.out.rstrip().endswith("; 1 skipped (empty: 1)")


def test_an_empty_draft_is_not_a_clean_notices_scan_either(cli, project):
    (project / "empty.md").write_text("\n  \n", encoding="utf-8")
    res = cli("notices", "empty.md", "--fail-on", "info")
    assert res.code == 2 and "empty.md: nothing to check: 1 skipped (empty: 1)" in one_line(res.err)


@pytest.mark.parametrize("command", ["check", "notices"])
def test_records_not_read_are_counted_and_none_read_is_exit_2(cli, project, index, command):
    """A JSONL file whose records have no text field (or are not JSON) was opened but nothing in it was read:
    exit 2, not "no findings". Records read next to unread ones are reported, the unread ones counted."""
    (project / "none.jsonl").write_text('{"title": "a"}\n{"title": "b"}\n', encoding="utf-8")
    args = ("--index", str(index)) if command == "check" else ()
    res = cli(command, "none.jsonl", *args)
    assert res.code == 2
    assert "none.jsonl: nothing to check: 2 skipped (unreadable record: 2)" in one_line(res.err)
    (project / "some.jsonl").write_text('{"text": "Ein Satz. Nachdruck verboten."}\n{not json\n', encoding="utf-8")
    data = json.loads(cli(command, "some.jsonl", *args, "-f", "json", "--fail-on", "never").out)
    summary = data if command == "notices" else data["summary"]
    assert summary["skipped_by"] == {"unreadable record": 1}
    text = cli(command, "some.jsonl", *args, "--fail-on", "never")
    assert text.code == 0 and "record 2 not read: invalid JSON" in text.out
    assert "some.jsonl#2: no notices" not in text.out
    assert_skips_reported(command, text, "1 skipped (unreadable record: 1)")


@pytest.mark.parametrize("command", ["check", "notices"])
def test_a_container_with_no_documents_is_not_a_clean_input(cli, project, index, command):
    """An empty JSONL file, one of blank lines, a WARC with only its warcinfo record: opened, nothing in them.
    Alone they are exit 2; next to a draft that was read they are counted, as skipped files are."""
    from warcio.warcwriter import WARCWriter

    (project / "empty.jsonl").write_bytes(b"")
    (project / "blank.jsonl").write_text("\n\n", encoding="utf-8")
    with (project / "info.warc.gz").open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record("info.warc.gz", {"software": "test"}))
    args = ("--index", str(index)) if command == "check" else ()
    for name in ("empty.jsonl", "blank.jsonl", "info.warc.gz"):
        res = cli(command, name, *args)
        assert res.code == 2, name
        assert f"{name}: nothing to check: 1 skipped (no documents: 1)" in one_line(res.err)
    shutil.copy(CLEAN, project / "clean.md")
    res = cli(command, "clean.md", "info.warc.gz", *args, "-f", "json")
    assert res.code == 0
    data = json.loads(res.out)
    assert (data["summary"] if command == "check" else data)["skipped_by"] == {"no documents": 1}


# -- corpus add that read nothing, check against an empty index -----------------------------------------


def test_corpus_add_that_added_nothing_is_exit_2(cli, project):
    unreadable_tree(project)
    res = cli("corpus", "add", "drafts", "--index", "idx.sqlite")
    assert res.code == 2 and res.out == ""
    line = one_line(res.err)
    assert "drafts: nothing to read in this directory: 4 skipped (.docx: 1, .mdx: 1, .pdf: 1, .rst: 1)" in line
    (project / "none").mkdir()
    assert cli("corpus", "add", "none", "--index", "idx.sqlite").code == 2


def test_corpus_add_counts_files_without_a_reader_in_one_warning(cli, project):
    drafts = unreadable_tree(project)
    shutil.copy(CORPUS / "erzkurier-lithium.md", drafts)
    res = cli("corpus", "add", "drafts", "--index", "idx.sqlite")
    assert res.code == 0 and "1 added" in res.out
    assert "files without a reader: 4 skipped" in one_line(res.err)
    mdx = cli("corpus", "add", "drafts", "--index", "idx.sqlite", "--include", "*.mdx")
    assert mdx.code == 0 and "1 added" in mdx.out  # post.mdx, read as Markdown


def test_check_against_an_empty_index_is_not_a_silent_pass(cli, project):
    from compliance.reuse.index import CorpusIndex

    CorpusIndex(project / "empty.sqlite", create=True).close()
    shutil.copy(CLEAN, project / "clean.md")
    res = cli("check", "clean.md", "--index", "empty.sqlite")
    assert res.code == 2 and res.out == ""
    assert "empty.sqlite: the corpus index has no documents" in one_line(res.err)
    allowed = cli("check", "clean.md", "--index", "empty.sqlite", "--allow-empty-index", "-f", "json")
    assert allowed.code == 0
    assert "warning: empty.sqlite: the corpus index has no documents" in one_line(allowed.err)
    summary = json.loads(allowed.out)["summary"]
    assert summary["index"] == {"path": "empty.sqlite", "documents": 0}
    assert summary["line"].endswith("; corpus index empty (empty.sqlite)")


# -- the default baseline is read by check ----------------------------------------------------------------


def test_check_reads_the_baseline_that_baseline_update_wrote(cli, project, index):
    shutil.copy(SHOWCASE, project / "showcase.md")
    before = cli("check", "showcase.md", "--index", str(index))
    assert before.code == 1
    written = cli("baseline", "update", "showcase.md", "--index", str(index))
    assert written.code == 0 and (project / ".compliance" / "baseline.json").is_file()
    after = cli("check", "showcase.md", "--index", str(index))
    assert after.code == 0, after.out
    last = after.out.rstrip().splitlines()[-1]
    assert re.search(r"; \d+ findings baselined$", last), last
    assert "not-allowed" not in after.out and "findings baselined (not shown)" in after.out
    data = json.loads(cli("check", "showcase.md", "--index", str(index), "-f", "json").out)
    assert data["summary"]["baselined"] >= 2 and data["summary"]["baseline"].endswith(".compliance/baseline.json")
    assert data["summary"]["suppressed"] == 0


def test_audit_of_nothing_readable_is_exit_2_and_skips_are_counted(cli, project):
    unreadable_tree(project)
    res = cli("audit", "drafts")
    assert res.code == 2 and "drafts: nothing to read in this directory: 4 skipped" in one_line(res.err)
    shutil.copy(CORPUS / "erzkurier-lithium.md", project / "drafts")
    some = cli("audit", "drafts", "--jobs", "1", "-q")
    assert some.code in (0, 1) and "not audited: 4 skipped (.docx: 1, .mdx: 1, .pdf: 1, .rst: 1)" in some.err


def test_notices_counts_what_it_did_not_scan(cli, project):
    drafts = unreadable_tree(project)
    assert cli("notices", "drafts").code == 2
    shutil.copy(CLEAN, drafts / "clean.md")
    res = cli("notices", "drafts", "--include", "*.mdx", "-f", "github")
    assert res.code == 0
    assert "not scanned: 3 skipped (.docx: 1, .pdf: 1, .rst: 1)" in one_line(res.err)
    assert "in 2 files; 3 skipped (.docx: 1, .pdf: 1, .rst: 1)" in res.out
    data = json.loads(cli("notices", "drafts", "--include", "*.mdx", "-f", "json").out)
    assert data["skipped_by"] == {".docx": 1, ".pdf": 1, ".rst": 1}
    assert sorted(Path(s["path"]).name for s in data["skipped"]) == sorted(
        Path(p).name for p in drafts.iterdir() if p.suffix in (".docx", ".pdf", ".rst"))
