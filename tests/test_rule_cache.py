"""The rule cache: a hit gives the same engine, any edit invalidates it, a broken cache is ignored."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from compliance.detect.notices import NoticeEngine
from compliance.errors import RuleError
from compliance.ruleset import cache
from compliance.ruleset.loader import load_ruleset

PACK = r"""
rules:
  - id: t.arr
    kind: all-rights-reserved
    languages: [en]
    keywords: [rights reserved]
    patterns: ['all\s+rights\s+reserved']
    message: ARR.
"""
TEXT = "Intro.\n\n(c) 2024 Example Ltd. All rights reserved.\nBy Jane Doe\nNachdruck verboten."


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(directory))
    monkeypatch.delenv("COMPLIANCE_NO_CACHE", raising=False)
    return directory


def spans(engine: NoticeEngine, text: str = TEXT) -> list[tuple[str, int, int]]:
    return [(m.rule.rule.id, m.start, m.end) for m in engine.match_text(text)]


def cache_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("rules-*.pickle"))


def test_cache_hit_gives_identical_findings(cache_dir):
    first = load_ruleset(None)  # builds and writes the cache
    (written,) = cache_files(cache_dir)
    second = load_ruleset(None)  # read back
    uncached = load_ruleset(None, cache=False)
    assert second is not first and len(second) == len(uncached)
    assert [c.rule for c in second.compiled] == [c.rule for c in uncached.compiled]
    assert [p.pattern for c in second.compiled for p in c.patterns] == \
        [p.pattern for c in uncached.compiled for p in c.patterns]
    expected = spans(NoticeEngine(uncached))
    assert expected  # the text has notices
    assert spans(NoticeEngine(second)) == expected
    assert cache_files(cache_dir) == [written]


def test_the_cache_is_read_not_rebuilt(cache_dir, monkeypatch):
    load_ruleset(None)
    import compliance.ruleset.loader as loader

    def fail(*args, **kwargs):
        raise AssertionError("rule files parsed although the cache is valid")

    monkeypatch.setattr(loader, "_load_sources", fail)
    assert len(load_ruleset(None)) > 100


def write_pack(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_an_edited_rule_file_invalidates_the_cache(cache_dir, tmp_path):
    pack = tmp_path / "pack.yaml"
    write_pack(pack, PACK)
    loaded = load_ruleset([str(pack)], builtin=False)
    assert spans(NoticeEngine(loaded), "All rights reserved.") == [("t.arr", 0, 19)]
    stat = pack.stat()
    # same size and same mtime: only the content differs, which the key still sees
    write_pack(pack, PACK.replace("all\\s+rights", "xll\\s+rights"))
    os.utime(pack, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert pack.stat().st_size == stat.st_size
    edited = load_ruleset([str(pack)], builtin=False)
    assert spans(NoticeEngine(edited), "All rights reserved.") == []
    assert spans(NoticeEngine(edited), "Xll rights reserved.") == [("t.arr", 0, 19)]


def test_an_invalid_edit_still_errors_with_its_position(cache_dir, tmp_path):
    pack = tmp_path / "pack.yaml"
    write_pack(pack, PACK)
    load_ruleset([str(pack)], builtin=False)  # cached
    write_pack(pack, PACK.replace("patterns: ['all\\s+rights\\s+reserved']", "patterns: ['all(rights']"))
    with pytest.raises(RuleError) as first:
        load_ruleset([str(pack)], builtin=False)
    with pytest.raises(RuleError) as uncached:
        load_ruleset([str(pack)], builtin=False, cache=False)
    assert str(first.value) == str(uncached.value)
    assert str(first.value).startswith(f"{pack}:7:16: rule t.arr: pattern does not compile")
    # an unknown key is reported with its position too, and a second try errors again
    write_pack(pack, PACK.replace("message: ARR.", "message: ARR.\n    mesage: typo"))
    for _ in range(2):
        with pytest.raises(RuleError, match=r"pack\.yaml:9:5: rules\.0\.mesage: unknown key 'mesage'"):
            load_ruleset([str(pack)], builtin=False)


def test_a_corrupt_cache_file_is_ignored_and_replaced(cache_dir, tmp_path):
    pack = tmp_path / "pack.yaml"
    write_pack(pack, PACK)
    load_ruleset([str(pack)], builtin=False)
    (path,) = cache_files(cache_dir)
    for junk in (b"", b"not a pickle", pickle.dumps(("stamp", "value"))[:-3], pickle.dumps(["not", "a", "pair"])):
        path.write_bytes(junk)
        loaded = load_ruleset([str(pack)], builtin=False)
        assert spans(NoticeEngine(loaded), "All rights reserved.") == [("t.arr", 0, 19)]
    with open(path, "rb") as fh:  # rewritten with a valid entry
        stamp, value = pickle.load(fh)
    assert [c.rule.id for c in value.compiled] == ["t.arr"]


def test_a_file_others_may_write_is_not_loaded(cache_dir, tmp_path):
    pack = tmp_path / "pack.yaml"
    write_pack(pack, PACK)
    load_ruleset([str(pack)], builtin=False)
    (path,) = cache_files(cache_dir)
    with open(path, "rb") as fh:
        stamp, value = pickle.load(fh)
    value.compiled[0].rule = value.compiled[0].rule.model_copy(update={"message": "planted"})
    path.write_bytes(pickle.dumps((stamp, value)))
    assert load_ruleset([str(pack)], builtin=False).compiled[0].rule.message == "planted"  # ours: trusted
    os.chmod(path, 0o666)
    assert load_ruleset([str(pack)], builtin=False).compiled[0].rule.message == "ARR."


def test_an_unwritable_cache_dir_changes_nothing(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory should be")
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(blocked / "sub"))
    pack = tmp_path / "pack.yaml"
    write_pack(pack, PACK)
    for _ in range(2):
        assert [c.rule.id for c in load_ruleset([str(pack)], builtin=False).compiled] == ["t.arr"]


def test_no_cache_switch(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COMPLIANCE_NO_CACHE", "1")
    load_ruleset(None)
    assert not (tmp_path / "cache").exists()


def test_other_code_gets_another_key(cache_dir, monkeypatch):
    import compliance.ruleset.loader as loader

    sources = loader.rule_sources(None)
    before = cache._stamp(sources)
    monkeypatch.setattr(loader, "CODE_STAMP", loader.CODE_STAMP + "-edited")
    assert cache._stamp(sources) != before


def test_old_files_are_pruned(cache_dir, tmp_path):
    for i in range(cache.KEEP + 3):
        pack = tmp_path / f"pack{i}.yaml"
        write_pack(pack, PACK)
        load_ruleset([str(pack)], builtin=False)
    assert len(cache_files(cache_dir)) == cache.KEEP


def test_patterns_read_back_on_first_use_and_cache_holds_plain_data(cache_dir):
    load_ruleset(None)
    loaded = load_ruleset(None)  # read back: each rule's patterns stay pickled until the engine needs them
    uncached = load_ruleset(None, cache=False)
    rule = loaded.compiled[0]
    assert "patterns" not in vars(rule)
    assert [(p.pattern, p.flags) for p in rule.patterns] == \
        [(p.pattern, p.flags) for p in uncached.compiled[0].patterns]
    assert "patterns" in vars(rule) and not hasattr(rule, "not_a_field")
    again = pickle.loads(pickle.dumps(loaded))  # a rule whose patterns were read, and one whose were not
    assert [[p.pattern for p in c.patterns] for c in again.compiled] == \
        [[p.pattern for p in c.patterns] for c in uncached.compiled]
    (written,) = cache_files(cache_dir)
    assert b"ruamel" not in written.read_bytes()  # reading the cache does not import ruamel.yaml
    assert loaded.ruleset.xling == uncached.ruleset.xling


def test_a_memo_is_stamped_with_the_code_this_process_read_not_a_newer_copy(cache_dir, tmp_path):
    """A long run (an audit, a training) during an upgrade must not file what its old code derives under the
    new code's key: later processes would load it as if the new code had built it."""
    module = tmp_path / "derive.py"
    module.write_text("VERSION = 1\n", encoding="utf-8")
    assert cache.memo("test", "key", module, lambda: "built by 1") == "built by 1"
    module.write_text("VERSION = 2\n", encoding="utf-8")  # upgraded on disk while this process runs on
    assert cache.memo("test", "other", module, lambda: "built by 1 after the upgrade") == \
        "built by 1 after the upgrade"
    cache._CODE.clear()  # a new process reads version 2
    assert cache.memo("test", "other", module, lambda: "built by 2") == "built by 2"
    assert cache.memo("test", "key", module, lambda: "built by 2") == "built by 2"
