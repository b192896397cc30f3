"""Each page shows when its source last changed (from git) and, past the review interval, a notice that
its review is due (tpi_sphinx/pagehistory.py)."""

import datetime as dt
import subprocess

from conftest import ROOT, parsed
from tpi_sphinx import pagehistory

D = dt.date


def test_the_review_interval_is_counted_in_calendar_months():
    assert pagehistory.add_months(D(2026, 11, 26), 24) == D(2028, 11, 26)
    assert pagehistory.add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert pagehistory.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert not pagehistory.review_due(D(2024, 11, 26), D(2026, 11, 26), 24)
    assert pagehistory.review_due(D(2024, 11, 25), D(2026, 11, 26), 24)


def test_the_build_date_is_the_source_date_when_one_is_set():
    assert pagehistory.build_date({"SOURCE_DATE_EPOCH": "1764115200"}) == D(2025, 11, 26)
    assert pagehistory.build_date({}) == dt.date.today()


def test_last_changes_are_read_from_git_newest_first(tmp_path):
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    for day, name in (("2026-01-02", "a.md"), ("2026-03-04", "b.md"), ("2026-05-06", "a.md")):
        (tmp_path / name).write_text(day, encoding="utf-8")
        env = {"GIT_COMMITTER_DATE": f"{day}T12:00:00", "GIT_AUTHOR_DATE": f"{day}T12:00:00", "PATH": "/usr/bin:/bin"}
        subprocess.run([*git, "add", name], cwd=tmp_path, check=True)
        subprocess.run([*git, "commit", "-q", "-m", day], cwd=tmp_path, check=True, env=env)
    assert pagehistory.last_changes(tmp_path) == {"a.md": D(2026, 5, 6), "b.md": D(2026, 3, 4)}
    assert pagehistory.last_changes(tmp_path / "not-a-folder") == {}


def test_every_page_shows_its_last_change_from_git(site):
    for page in ("safety/last", "procedure/maximum-doses", "about/versions"):
        expected = subprocess.run(
            ["git", "log", "-1", "--format=%cs", "--", f"docs/{page}.md"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        soup = parsed(site.outdir / f"{page}.html")
        assert soup.select_one("article .page-changed").get_text() == f"Last changed {expected}", page


def test_no_page_of_this_version_is_due_for_review(site):
    due = [p.name for p in site.outdir.rglob("*.html") if 'class="review-due"' in p.read_text(encoding="utf-8")]
    assert due == []


OVERDUE = "docs/evidence/grading.md"  # reviewed long ago in the faulty copy (conftest.py's ``faulty_build``)


def make_a_review_overdue(project) -> None:
    """The page's review dated 2020-01-15: more than the interval (24 months in conf.py) before any build date
    since 2022-01-15, the build date of this commit (SOURCE_DATE_EPOCH) included."""
    page = project / OVERDUE
    text = page.read_text(encoding="utf-8")
    reviewed = next(line for line in text.splitlines() if line.startswith("reviewed:"))
    page.write_text(text.replace(reviewed, "reviewed: 2020-01-15", 1), encoding="utf-8")


def test_a_page_past_the_interval_says_its_review_is_due(faulty_build):
    build, _ = faulty_build
    soup = parsed(build.outdir / "evidence" / "grading.html")
    notice = soup.select_one("article .review-due")
    assert notice and "last checked 2020-01-15, more than 24 months ago" in notice.get_text()
    assert not parsed(build.outdir / "evidence" / "summary.html").select(".review-due")
