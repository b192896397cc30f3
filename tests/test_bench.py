"""The benchmark's own logic (scripts/bench.py): budgets, ratios, the page edit it undoes, synthetic pages.
The timings themselves are never asserted: they are printed by `make bench`."""

import shutil
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import bench  # noqa: E402
from synthetic_pages import add_synthetic_pages  # noqa: E402


def test_ratio_is_this_over_the_other_and_none_without_both():
    assert bench.ratio(3.0, 2.0) == pytest.approx(1.5)
    assert bench.ratio(None, 2.0) is None
    assert bench.ratio(3.0, None) is None
    assert bench.ratio(3.0, 0.0) is None


def test_the_budgets_of_the_issue():
    figures = {"html": 10.0}
    assert bench.BUDGETS["html"].met(14.9, figures) is True
    assert bench.BUDGETS["html"].met(15.1, figures) is False
    assert bench.BUDGETS["rebuild-nochange"].met(0.9, figures) is True
    assert bench.BUDGETS["rebuild-nochange"].met(1.2, figures) is False
    # one-page edit: under 1.5 s and at most 15% of the clean build
    edit = bench.BUDGETS["rebuild-edit"]
    assert edit.met(1.4, {"html": 10.0}) is True
    assert edit.met(1.4, {"html": 9.0}) is False  # 1.4 > 1.35
    assert edit.met(1.6, {"html": 100.0}) is False
    assert edit.met(1.0, {}) is None  # no clean build measured: no verdict
    assert bench.BUDGETS["third-party-bytes"].met(0, figures) is True
    assert bench.BUDGETS["third-party-bytes"].met(1, figures) is False
    assert bench.BUDGETS["page-median-kb"].met(None, figures) is None
    assert bench.BUDGETS["test"].met(239, figures) and not bench.BUDGETS["test"].met(241, figures)


def test_the_table_shows_budget_status_and_ratio():
    mine = {"html": bench.Row("html", [10.0, 12.0, 11.0]), "rebuild-edit": bench.Row("rebuild-edit", [2.0])}
    theirs = {"html": bench.Row("html", [22.0]), "rebuild-edit": bench.Row("rebuild-edit", [])}
    lines = bench.table(mine, theirs, "v0.1.0").splitlines()
    html = next(line for line in lines if line.startswith("clean HTML"))
    assert "11.00" in html and "10.00-12.00" in html and "met" in html and "0.50" in html
    edit = next(line for line in lines if line.startswith("one-page edit"))
    assert "MISSED" in edit
    data = bench.as_json(mine)
    assert data["html"]["median"] == 11.0 and data["html"]["min"] == 10.0 and data["html"]["status"] == "met"


def test_synthetic_pages_are_grouped_in_tens_and_listed(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    pages = add_synthetic_pages(docs, 23)
    assert len(pages) == 23
    assert sorted(p.name for p in (docs / "synthetic").iterdir()) == ["group-1", "group-2", "group-3", "index.md"]
    assert "synthetic/index" in (docs / "index.md").read_text(encoding="utf-8")
    text = pages[0].read_text(encoding="utf-8")
    for feature in (
        "(synthetic-1)=",
        "{term}`",
        "{cite:p}`",
        "{ref}`synthetic-23`",
        "{ref}`synthetic-2`",
        "list-table",
        "### ",
    ):
        assert feature in text, feature
    with pytest.raises(FileExistsError):  # never twice into the same tree
        add_synthetic_pages(docs, 1)
