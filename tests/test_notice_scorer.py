"""Cue frames and the trained notice scorer: what they add on real unseen sites, how they fail.

The figures asserted here are floors under today's measurement (``python bench/notice_accuracy.py
--set real-test``), so a change that loses what the scorer adds fails; docs/notices.md has the figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bench.notice_accuracy import REAL, evaluate_real
from compliance.cli import app
from compliance.detect.features import keys_many, sentence_keys
from compliance.detect.notices import NoticeEngine
from compliance.detect.scorer import Scorer
from compliance.readers.plain import build_plain_document
from compliance.ruleset import load_ruleset
from tests.test_cli_errors import one_line_error

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "rules" / "models" / "notice-scorer.npz"
runner = CliRunner()


@pytest.fixture(scope="module")
def engine() -> NoticeEngine:
    return NoticeEngine(load_ruleset(), model=True)


def kinds(engine: NoticeEngine, text: str) -> set[str]:
    return {n.kind for n in engine.scan(build_plain_document(text, "<t>"))}


def test_shipped_weights_were_trained_on_the_current_split_and_lexicons():
    sys.path.insert(0, str(ROOT / "train"))
    try:
        from notices import inputs_digest
    finally:
        sys.path.pop(0)
    meta = Scorer.load(WEIGHTS).meta
    digest = inputs_digest()
    assert [meta.get(k) for k in ("train_sha256", "dev_sha256", "cues_sha256")] == \
        [digest["train_sha256"], digest["dev_sha256"], digest["cues_sha256"]], \
        "the train or dev split or a cue lexicon changed: retrain with `python train/notices.py`"


def test_the_corpus_is_split_by_site():
    splits = {name: [json.loads(line) for line in (REAL / f"{name}.jsonl").open(encoding="utf-8")]
              for name in ("train", "dev", "test")}
    sites = {name: {r["site"] for r in rows} for name, rows in splits.items()}
    assert not sites["train"] & sites["test"] and not sites["dev"] & sites["test"] and not sites["train"] & sites["dev"]
    rows = [r for part in splits.values() for r in part]
    assert len({r["lang"] for r in rows}) >= 12 and len({r["site"] for r in rows}) >= 600
    assert all(r["url"].startswith(("http://", "https://")) for r in rows)


def test_the_scorer_adds_recall_on_unseen_sites_without_more_false_alarms():
    with_model, rules = evaluate_real("test.jsonl", model=True), evaluate_real("test.jsonl", model=False)
    plain = NoticeEngine(load_ruleset(), model=False, cues=False)  # rules alone
    rows = [json.loads(line) for line in (REAL / "test.jsonl").open(encoding="utf-8")]
    rule_hits = sum(r["label"] in {n.kind for n in plain.scan(build_plain_document(r["text"], "<t>"))}
                    for r in rows if r["label"] != "negative")
    assert with_model.recall >= rule_hits / with_model.items + 0.06, (with_model.recall, rule_hits)
    # the policy's false-alarm bound is the rules' own rate out of fold (6.0 %); 32/529 = 6.0 % measured, and one
    # standard error on 529 negatives is a point: the floor sits a point above the bound
    assert len(with_model.negative_hits) / with_model.negatives <= 0.07
    assert rules.items == with_model.items  # frames alone (--no-model) are scored on the same items


def test_scorer_findings_name_their_rule_score_and_cues(engine):
    rows = [json.loads(line) for line in (REAL / "dev.jsonl").open(encoding="utf-8")]
    found = [n for r in rows if r["label"] != "negative"
             for n in engine.scan(build_plain_document(r["text"], "<t>"))
             if n.rule.startswith(("model.", "frame."))]
    assert len(found) >= 30
    for n in found:
        assert n.rule.removeprefix("model.") == n.kind or n.rule.startswith("frame.")
        assert 0 < n.score <= 1 and n.cues and all(":" in c for c in n.cues)
        assert n.to_dict()["score"] == n.score and n.to_dict()["cues"] == n.cues


def test_explanations_of_notices_are_not_notices(engine):
    for text in ("Wer ein Werk vervielfältigen will, braucht laut Gesetz in der Regel die Zustimmung des Urhebers.",
                 "Can I reproduce this article on my blog without asking the publisher?"):
        assert not kinds(engine, text), text


def test_features_are_the_same_in_every_process():
    text, named = "Kopien, auch auszugsweise, bedürfen unserer Zustimmung.", ["slot:ACTION", "pos:tail"]
    code = ("import sys, json; from compliance.detect.features import sentence_keys; "
            f"print(json.dumps(sentence_keys({text!r}, {named!r}).tolist()))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(outs) == 1
    assert json.loads(outs.pop()) == sentence_keys(text, named).tolist()


def test_batch_scoring_equals_one_sentence_at_a_time():
    scorer = Scorer.load(WEIGHTS)
    texts = ["© 2024 Harbour Ledger. All rights reserved.", "", "Foto: Jana Berg / dpa", "x" * 900,
             "Die Rechte an den Texten liegen beim Verfasser."]
    named = [["slot:RIGHT"], [], ["slot:CREDIT"], [], ["pos:tail"]]
    keys, owners = keys_many(texts, named)
    batch = scorer.probabilities_many(keys, owners, len(texts))
    for i, (text, names) in enumerate(zip(texts, named, strict=True)):
        assert np.array_equal(keys[owners == i], sentence_keys(text, names))
        assert np.allclose(batch[i], scorer.probabilities(sentence_keys(text, names)), atol=1e-6)


def _pack_with_weights(tmp_path: Path, weights: str) -> Path:
    pack = tmp_path / "rules" / "scorer.yaml"
    pack.parent.mkdir()
    pack.write_text(f"pack: local-scorer\nscorer:\n  weights: {weights}\n", encoding="utf-8")
    return pack.parent


@pytest.mark.parametrize("content", [None, b"not a zip file", b"PK\x03\x04broken"])
def test_a_missing_or_damaged_weights_file_is_one_error_line(cli, tmp_path, monkeypatch, content):
    if content is not None:
        (tmp_path / "weights.npz").write_bytes(content)
    rules = _pack_with_weights(tmp_path, str(tmp_path / "weights.npz"))
    draft = tmp_path / "d.txt"
    draft.write_text("© 2024 Harbour Ledger. All rights reserved.\n", encoding="utf-8")
    one_line_error(cli("notices", draft, "--rules", rules), "weights.npz", "--no-model")
    monkeypatch.setenv("COMPLIANCE_NO_MODEL", "0")  # restored after the test: --no-model sets it
    run = cli("--no-model", "notices", draft, "--rules", rules, "-f", "json")
    assert run.code == 0, run.err
    assert {n["kind"] for n in json.loads(run.out)["files"][0]["notices"]} >= {"copyright"}


def test_rules_test_runs_the_frames_examples(tmp_path):
    result = runner.invoke(app, ["rules", "test", str(ROOT / "rules" / "cues" / "frames.yaml")])
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output
    pack = tmp_path / "frames.yaml"
    pack.write_text(
        "pack: local-frames\nframes:\n  - id: frame.local.ban\n    kind: reproduction-ban\n"
        "    all: [ACTION, RESTRICTION]\n    message: test\n    examples:\n"
        "      match: ['The weather was fine today.']\n", encoding="utf-8")
    result = runner.invoke(app, ["rules", "test", str(pack)])
    assert result.exit_code == 1 and "frame.local.ban" in result.output and "did not match" in result.output


def _hidden_layer_file(path: Path, out_rows: int = 3) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(7)
    keys = np.array([5, 17, 40], dtype=np.uint32)
    w1 = rng.normal(size=(3, 3)).astype(np.float16)
    b1 = rng.normal(size=3).astype(np.float32)
    w2 = rng.normal(size=(out_rows, 2)).astype(np.float32)
    b2 = rng.normal(size=2).astype(np.float32)
    meta = {"classes": ["copyright", "none"], "thresholds": {"copyright": 0.9}}
    np.savez(path, keys=keys, weights=w1, bias=b1, out_weights=w2, out_bias=b2, meta=np.array(json.dumps(meta)))
    return w1, b1, w2, b2


def test_a_hidden_layer_scorer_is_a_relu_layer_then_softmax(tmp_path):
    w1, b1, w2, b2 = _hidden_layer_file(tmp_path / "h.npz")
    scorer = Scorer.load(tmp_path / "h.npz")
    # a sentence with keys 5 and 40 (and one the model does not know): inputs 1/sqrt(2) each
    hidden = np.maximum((w1[0].astype(np.float32) + w1[2]) / np.sqrt(2) + b1, 0)
    logits = hidden @ w2 + b2
    expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    got = scorer.probabilities(np.array([5, 40, 99], dtype=np.uint32))
    assert np.allclose(got, expected, atol=1e-5), (got, expected)


def test_a_hidden_layer_that_does_not_fit_is_a_damaged_file(tmp_path):
    from compliance.errors import RuleError

    _hidden_layer_file(tmp_path / "bad.npz", out_rows=4)  # 4 rows for 3 hidden units
    with pytest.raises(RuleError, match="damaged"):
        Scorer.load(tmp_path / "bad.npz")


def test_rule_vetoes_are_per_kind_and_spare_publisher_and_unvetoable_rules():
    """A rule finding is dropped when its sentence reads as no notice with at least its kind's veto
    probability; other kinds keep theirs, and neither a publisher's own rule nor a rule marked
    ``vetoable: false`` (a copyright sign with a holder) is ever dropped."""
    from dataclasses import replace

    text = ("All content on this site is protected by copyright.\n"
            "Die Reproduktion, Modifikation oder Verwendung der Inhalte ganz oder teilweise ohne schriftliche "
            "Genehmigung ist untersagt!\nAlle Angaben ohne Gewähr.\n© Harbour Lights Media Ltd")
    rules = load_ruleset()
    kept_always = {c.rule.id for c in rules.compiled if c.rule.publisher or not c.rule.vetoable}

    def found(vetoes: dict[str, float]) -> list:
        engine = NoticeEngine(rules, model=True)
        engine._scorer = replace(Scorer.load(WEIGHTS), veto=2.0, vetoes=vetoes)
        return [(n.kind, n.rule) for n in engine.scan(build_plain_document(text, "<t>"))]

    everything = found({})
    assert {"copyright", "reproduction-ban"} <= {k for k, _ in everything}
    no_copyright = found({"copyright": -1.0})
    assert [f for f in everything if f[0] != "copyright"] == [f for f in no_copyright if f[0] != "copyright"]
    assert [f for f in no_copyright if f[0] == "copyright" and not f[1].startswith(("frame.", "model."))] == \
        [f for f in everything if f[0] == "copyright" and f[1] in kept_always]
    assert ("copyright", "common.copyright.symbol-holder") in no_copyright
    every_kind = found({k: -1.0 for k in {k for k, _ in everything}})
    assert [f for f in every_kind if not f[1].startswith(("frame.", "model."))] == \
        [f for f in everything if f[1] in kept_always]
    assert {"rohstoff-welt.reproduction-ban", "common.copyright.symbol-holder"} <= {r for _, r in every_kind}
    other = replace(Scorer.load(WEIGHTS), veto=2.0, vetoes={"disclaimer": -1.0})
    assert other.veto_for("copyright") == 2.0 and other.veto_for("disclaimer") == -1.0


def test_a_vetoed_longer_finding_does_not_take_an_unvetoable_one_of_its_kind_with_it(tmp_path):
    """Overlapping findings of one kind collapse to the longest, but not before the veto: when the longer one's
    rule may be vetoed and a shorter one's may not (``vetoable: false``), a veto of the longer leaves the shorter
    standing; without a veto the findings are the longest alone, as before."""
    from dataclasses import replace

    pack = tmp_path / "pack.yaml"
    pack.write_text("""pack: t
rules:
  - id: t.long
    kind: disclaimer
    languages: [en]
    keywords: [tide tables]
    patterns: ['readers note: the tide tables here are estimates only']
    message: Long.
  - id: t.short
    kind: disclaimer
    languages: [en]
    vetoable: false
    keywords: [tide tables]
    patterns: ['the tide tables here are estimates']
    message: Short.
""", encoding="utf-8")
    rules = load_ruleset([str(pack)])
    text = "Harbour Lights readers note: the tide tables here are estimates only."

    def found(vetoes: dict[str, float]) -> list[str]:
        engine = NoticeEngine(rules, model=True)
        engine._scorer = replace(Scorer.load(WEIGHTS), veto=2.0, vetoes=vetoes)
        return [n.rule for n in engine.scan(build_plain_document(text, "<t>")) if n.rule.startswith("t.")]

    assert found({}) == ["t.long"]
    assert found({"disclaimer": -1.0}) == ["t.short"]


def test_the_rules_own_examples_keep_their_kind_with_the_scorer_on():
    """Every ``match`` example of every shipped rule, scanned by the full engine (rules, cue frames, scorer and
    its vetoes), still yields its rule's kind; ``compliance rules test`` checks the patterns alone. A model
    that saw no Malay once vetoed "© 2019 Berita Pantai. Hak cipta terpelihara." (docs/notices.md)."""
    loaded = load_ruleset(None)
    engine = NoticeEngine(loaded, model=True)
    lost = set()
    checked = 0
    for compiled in loaded.by_id.values():
        rule = compiled.rule
        for example in rule.examples.match if rule.examples else []:
            checked += 1
            kinds = {n.kind for n in engine.scan(build_plain_document(example, "<example>"))}
            if rule.kind not in kinds:
                lost.add((rule.id, example))
    assert checked > 1000
    assert not lost, sorted(lost)
