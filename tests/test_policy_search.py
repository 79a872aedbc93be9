"""The scorer's policy search (``train/notices.py``): what one decision policy reports on a row, and the search
steps that get a policy past its guards."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "train"))
import notices as T  # noqa: E402


def probabilities(**by_kind: float) -> np.ndarray:
    p = np.zeros(len(T.CLASSES))
    for kind, value in by_kind.items():
        p[T.CLASSES.index(kind.replace("_", "-"))] = value
    return p


def framed_row(label: str, kind: str, p: np.ndarray) -> tuple:
    """A line with one cue sentence a frame of ``kind`` names and no rule finding."""
    return (label, [], [({kind}, p, set())])


# a news sentence the disclaimer frame names and the scorer reads as a disclaimer at 0.92 (P(none) 0.038), and a
# probe disclaimer at 0.96 (P(none) 0.02): the shapes of the Wikinews sentence that blocked the December 7 search
NEWS = framed_row(T.NONE, "disclaimer", probabilities(disclaimer=0.92, none=0.038))
PROBE = framed_row("disclaimer", "disclaimer", probabilities(disclaimer=0.96, none=0.02))
OFF = {k: 2.0 for k in T.KINDS}


def test_a_policy_row_reports_frames_under_their_level_and_kinds_over_their_threshold():
    frames_only, model_only = {**OFF}, {k: -1.0 for k in T.KINDS}
    assert T.kinds_found(NEWS, OFF, {**model_only, "disclaimer": 0.05}, OFF) == {"disclaimer"}  # 0.038 < 0.05
    assert T.kinds_found(NEWS, OFF, {**model_only, "disclaimer": 0.03}, OFF) == set()
    assert T.kinds_found(NEWS, OFF, model_only, {**frames_only, "disclaimer": 0.9}) == {"disclaimer"}
    assert T.kinds_found(NEWS, OFF, model_only, {**frames_only, "disclaimer": 0.95}) == set()


def test_a_finding_that_a_frame_and_a_threshold_both_keep_goes_with_one_joint_step():
    def rank(veto, frame_veto, bars) -> tuple:
        shortfall = bool(T.kinds_found(NEWS, veto, frame_veto, bars)) \
            + ("disclaimer" not in T.kinds_found(PROBE, veto, frame_veto, bars))
        return (-shortfall,)

    frame_veto = {k: -1.0 for k in T.KINDS} | {"disclaimer": 0.1}
    bars = {**OFF, "disclaimer": 0.85}
    start = (rank(OFF, frame_veto, bars), OFF, frame_veto, bars)
    assert start[0] == (-1,)  # the news sentence fires through its frame and through the threshold
    key, _, frame_veto, bars = T.coordinate_search(start, rank)
    assert key == (0,)
    assert frame_veto["disclaimer"] <= 0.038 and bars["disclaimer"] > 0.92  # no single step of the two does it


def test_the_balanced_rank_weighs_the_gate_kinds_on_their_own():
    # nine attribution lines and one TDM reservation: a policy that keeps the attribution frame finds 9 of 10
    # notices; one that keeps the TDM frame finds 1 of 10, but every TDM reservation
    rows = [framed_row("attribution", "attribution", probabilities(attribution=0.6, none=0.2))] * 9
    rows += [framed_row("tdm-reservation", "tdm-reservation", probabilities(tdm_reservation=0.6, none=0.2))]
    no_frames = {k: -1.0 for k in T.KINDS}
    attribution = {**no_frames, "attribution": 0.3}
    tdm = {**no_frames, "tdm-reservation": 0.3}
    assert T.balanced_recall(rows, OFF, attribution, OFF, 0.0)[0] == 0.9
    assert T.balanced_recall(rows, OFF, tdm, OFF, 0.0)[0] == 0.1
    # half of the rank is the mean recall of bans and TDM reservations (the only gate kind here: 1.0)
    assert T.balanced_recall(rows, OFF, attribution, OFF, 0.5)[0] == 0.45
    assert T.balanced_recall(rows, OFF, tdm, OFF, 0.5)[0] == 0.55
    assert T.balanced_recall(rows, OFF, tdm, OFF, 0.5)[1] == 0.0  # no negatives, none fired


def test_a_false_alarm_bound_above_the_rules_own_lets_the_search_use_it():
    # ten framed notices, and negatives: one a rule fires on (the rules' own share: 1 of 20), two the same frame
    # names with the same probabilities as the notices, seventeen quiet
    notice = framed_row("attribution", "attribution", probabilities(attribution=0.6, none=0.2))
    framed_negative = framed_row(T.NONE, "attribution", probabilities(attribution=0.6, none=0.2))
    ruled_negative = (T.NONE, [("copyright", True, 0.1)], [])
    quiet = (T.NONE, [], [])
    rows = [notice] * 10 + [ruled_negative] + [framed_negative] * 2 + [quiet] * 17
    base = {k: 0.9 for k in T.KINDS}
    policy, _ = T.choose_policy(rows, [], base)  # bound: the rules' own 5 %, which the frame would break
    assert T.outcome(rows, policy["vetoes"], policy["frame_vetoes"], policy["thresholds"]) == (0.0, 0.05)
    policy, _ = T.choose_policy(rows, [], base, max_fp=0.15)
    assert T.outcome(rows, policy["vetoes"], policy["frame_vetoes"], policy["thresholds"]) == (1.0, 0.15)


def test_a_missing_guard_set_stops_the_training(tmp_path, monkeypatch):
    """Without ../shared the guard sets would be empty and the policy unchecked there: one error naming the file."""
    monkeypatch.setattr(T, "ROOT", tmp_path / "checkout")
    with pytest.raises(SystemExit, match="nothing written") as stop:
        T.news_items()
    assert str(tmp_path / "shared" / "data" / "wikinews-de.jsonl") in str(stop.value)
