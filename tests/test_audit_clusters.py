"""Syndication clusters: copies of one story join one cluster, and the copies' notices name the original."""

from __future__ import annotations

from array import array

import pytest

from compliance.audit.clusters import ClusterIndex, _matches
from compliance.audit.records import DocInfo, sketch
from tests.test_audit_support import page, run, story, write

TIMES = "https://www.times.example/2024/harbour-story"


@pytest.fixture(scope="module")
def syndicated(tmp_path_factory):
    """An original, three syndicated copies (other sites, "Source:" lines), an excerpt, unrelated pages."""
    d = tmp_path_factory.mktemp("archive")
    text = story(1)
    files = {
        "original": write(d / "times" / "story.html", page("Harbour deal", text, "Example Times", TIMES, nav_seed=1)),
        "copy1": write(d / "a" / "copy.html", page("Harbour deal", text, "Valley Courier", "https://courier.example/h",
                                                   extra="<p>Source: Example Times</p>", nav_seed=2)),
        "copy2": write(d / "b" / "copy.html", page("Harbour deal agreed", text, "Nordblick",
                                                   "https://nordblick.example/hafen",
                                                   extra="<p>Dieser Artikel stammt von Example Times.</p>",
                                                   nav_seed=3)),
        "copy3": write(d / "c" / "copy.html", page("Harbour", text, "Daily Wire Digest", "https://digest.example/1",
                                                   extra=f"<p>This article first appeared on {TIMES}</p>",
                                                   nav_seed=4)),
        "excerpt": write(d / "d" / "excerpt.html", page("Harbour deal (excerpt)", text[:3], "Coast Radio",
                                                        "https://radio.example/x", nav_seed=5,
                                                        extra="<p>Source: Example Times</p>")),
        "unrelated_same_site": write(d / "times" / "other.html", page("Storm warning", story(2), "Example Times",
                                                                      "https://www.times.example/2024/storm",
                                                                      nav_seed=1)),
        "unrelated": write(d / "e" / "other.html", page("Festival", story(3), "Valley Courier",
                                                        "https://courier.example/f", nav_seed=2)),
    }
    records, result = run([str(d)], d / "out.jsonl")
    by_path = {r["path"]: r for r in records}
    return {name: by_path[path] for name, path in files.items()}, result


def test_copies_form_one_cluster_and_unrelated_pages_none(syndicated):
    records, result = syndicated
    members = ["original", "copy1", "copy2", "copy3", "excerpt"]
    ids = {records[m]["cluster"]["id"] for m in members}
    assert len(ids) == 1
    assert records["unrelated"]["cluster"] is None
    assert records["unrelated_same_site"]["cluster"] is None  # same site, same boilerplate, different story
    assert len(result.clusters) == 1 and len(result.clusters[0].members) == 5


def test_the_notices_name_the_original(syndicated):
    records, result = syndicated
    assert records["original"]["cluster"]["original"] is True
    for name in ("copy1", "copy2", "copy3", "excerpt"):
        assert records[name]["cluster"]["original"] is False
    cluster = result.clusters[0].to_dict()
    assert cluster["original"]["path"] == records["original"]["path"]
    assert cluster["original"]["url"] == TIMES
    assert "named as the origin by 4 members" in cluster["evidence"]
    assert [m["path"] for m in cluster["members"]] == sorted(m["path"] for m in cluster["members"])  # input order


def test_no_provenance_notice_leaves_the_original_unknown(tmp_path):
    text = story(7)
    paths = [write(tmp_path / f"s{i}" / "p.html", page("Same story", text, f"Site {i}", f"https://s{i}.example/",
                                                        nav_seed=10 + i)) for i in range(3)]
    records, result = run(paths, tmp_path / "out.jsonl")
    assert {r["cluster"]["id"] for r in records} == {"c1"}
    assert all(r["cluster"]["original"] is None for r in records)
    assert result.clusters[0].original is None


def test_agency_credit_from_outside_the_archive_is_reported_not_guessed(tmp_path):
    text = story(8)
    paths = [write(tmp_path / f"s{i}" / "p.html", page("Wire story", text, f"Paper {i}", f"https://p{i}.example/",
                                                        extra="<p>Source: Northwind Press Agency</p>",
                                                        nav_seed=20 + i)) for i in range(2)]
    records, result = run(paths, tmp_path / "out.jsonl")
    assert all(r["cluster"]["original"] is None for r in records)
    assert result.clusters[0].origins == ["Northwind Press Agency"]


# --- the index on its own ----------------------------------------------------------------------------


def info(i: int, hashes: list[int], names=(), claims=(), url=None) -> DocInfo:
    return DocInfo((f"d{i}.html", None), url, array("q", hashes), list(names), list(claims))


def test_containment_joins_an_excerpt_but_not_a_small_overlap():
    idx = ClusterIndex()
    full = list(range(0, 400, 4))  # 100 fingerprints
    idx.add(info(0, full))
    idx.add(info(1, full[:40]))  # an excerpt: all of it is in doc 0
    idx.add(info(2, full[:10] + list(range(1000, 1400, 4))))  # 10 of 110 shared: a quote, not a copy
    clusters = idx.clusters()
    assert [c.members for c in clusters] == [[("d0.html", None), ("d1.html", None)]]


def test_identical_copies_join_beyond_the_boilerplate_cap():
    idx = ClusterIndex(df_cap=3)
    same = list(range(0, 200, 4))
    for i in range(10):
        idx.add(info(i, same))
    idx.add(info(99, list(range(5000, 5200, 4))))
    clusters = idx.clusters()
    assert len(clusters) == 1 and len(clusters[0].members) == 10


def test_resampling_under_a_small_budget_keeps_the_clusters():
    idx = ClusterIndex(budget=300)
    for k in range(6):  # three pairs of copies, 100 fingerprints each
        base = [4 * (1000 * (k // 2) + j) for j in range(100)]
        idx.add(info(k, base))
    assert idx.modulus > 1
    assert [len(c.members) for c in idx.clusters()] == [2, 2, 2]


def test_too_short_documents_are_left_out():
    idx = ClusterIndex()
    idx.add(info(0, [4, 8]))
    idx.add(info(1, [4, 8]))
    assert idx.clusters() == [] and len(idx) == 0


def test_sketch_is_a_consistent_sample():
    text = " ".join(story(5))
    a, b = sketch(text), sketch("Intro words here. " + text + " Trailing words.")
    assert all(h % 4 == 0 for h in a)
    assert len(set(a) & set(b)) >= 0.9 * len(a)


@pytest.mark.parametrize(("claim", "names", "url", "expected"), [
    ("Example Times", ("Example Times",), None, True),
    ("The Example Times", ("Example Times",), None, True),
    ("example times", ("EXAMPLE-TIMES",), None, True),
    ("https://www.times.example/2024/x/", ("Other",), "https://times.example/2024/x", True),
    ("https://times.example/other", ("times.example",), None, True),  # same host
    ("rohstoff-welt.de", ("Rohstoff-Welt.de",), None, True),
    ("dpa", ("dpa-AFX",), None, False),  # short names only match exactly
    ("Times", ("Example Times",), None, False),
    ("Example Post", ("Example Times",), None, False),
])
def test_origin_matching(claim, names, url, expected):
    assert _matches(claim, names, url) is expected
