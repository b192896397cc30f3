"""Releases: the version every build shows comes from releases.toml and git (tpi_sphinx/release.py),
and no number of the data file changes without the changelog naming it (tpi_sphinx/changelog.py)."""

import datetime
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, parsed
from tpi_sphinx import changelog, release

GIT = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def commit(repo: Path, message: str, **files: str) -> str:
    for name, text in files.items():
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def manifest(*entries: tuple[str, str]) -> str:
    return "".join(f'[[release]]\nversion = "{v}"\ndate = 2026-11-25\ncommit = "{c}"\n\n' for v, c in entries)


@pytest.fixture
def repo(tmp_path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    return tmp_path


def test_a_release_commit_and_the_commit_that_records_it_build_as_the_release(repo):
    content = commit(repo, "content", **{"page.md": "one", "releases.toml": ""})
    commit(repo, "release 0.1.0", **{"releases.toml": manifest(("0.1.0", content))})
    build = release.describe(repo, environ={})
    assert (build.release, build.version) == ("0.1.0", "0.1")
    assert build.line == "Released 2026-11-25"
    git(repo, "checkout", "-q", content)  # the content commit itself, with the manifest of main beside it
    (repo / "releases.toml").write_text(manifest(("0.1.0", content)), encoding="utf-8")
    assert release.describe(repo, environ={}).release == "0.1.0"


def test_any_other_commit_is_a_development_version_of_the_next_minor_release(repo):
    content = commit(repo, "content", **{"page.md": "one", "releases.toml": ""})
    commit(repo, "release", **{"releases.toml": manifest(("0.1.0", content))})
    commit(repo, "edit", **{"page.md": "two"})
    head = commit(repo, "edit again", **{"page.md": "three"})
    build = release.describe(repo, environ={})
    assert build.release == f"0.2.0.dev3+g{head[:7]}"
    assert build.released is None and build.line == "Development version, not yet released"
    (repo / "page.md").write_text("uncommitted", encoding="utf-8")  # an edit is not the release either
    git(repo, "checkout", "-q", content, "--", "page.md")
    assert release.describe(repo, environ={}).release == "0.1.0"


def test_without_git_the_commit_comes_from_the_environment(tmp_path):
    sha = "a" * 40
    (tmp_path / "releases.toml").write_text(manifest(("0.1.0", sha)), encoding="utf-8")
    assert release.describe(tmp_path, environ={"TPI_COMMIT": sha}).release == "0.1.0"
    other = {"TPI_COMMIT": "b" * 40, "TPI_DISTANCE": "12"}
    assert release.describe(tmp_path, environ=other).release == "0.2.0.dev12+gbbbbbbb"
    assert release.describe(tmp_path, environ={}).release == "0.2.0.dev0+unknown"
    told = release.describe(tmp_path, environ={"TPI_RELEASE": "0.3.0", "TPI_RELEASE_DATE": "2026-12-01"})
    assert (told.release, told.line) == ("0.3.0", "Released 2026-12-01"), "a copy told its version"


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[release]]\nversion = "0.1"\ndate = 2026-11-25\ncommit = "' + "a" * 40 + '"\n', "MAJOR.MINOR.PATCH"),
        ('[[release]]\nversion = "0.1.0"\ndate = "2026-11-25"\ncommit = "' + "a" * 40 + '"\n', "no date"),
        ('[[release]]\nversion = "0.1.0"\ndate = 2026-11-25\ncommit = "abc1234"\n', "full 40-character"),
        (manifest(("0.2.0", "a" * 40), ("0.1.0", "b" * 40)), "oldest first"),
        (manifest(("0.1.0", "a" * 40), ("0.1.0", "b" * 40)), "once each"),
    ],
)
def test_a_malformed_manifest_is_refused(tmp_path, text, message):
    (tmp_path / "releases.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        release.releases(tmp_path / "releases.toml")


def test_the_manifest_records_0_1_0_at_the_commit_that_carried_it():
    first = release.releases()[0]
    assert (first.version, first.date) == ("0.1.0", datetime.date(2026, 11, 25))
    conf = subprocess.run(["git", "show", f"{first.commit}:conf.py"], cwd=ROOT, capture_output=True, text=True)
    assert 'release = "0.1.0"' in conf.stdout


def test_conf_takes_its_version_from_the_manifest():
    import conf

    assert conf.release == release.describe().release
    assert conf.release_line == release.describe().line


# -- The changelog names every changed number --------------------------------------------------


OLD = {"lidocaine": {"per_kg": {"value": 4.5, "unit": "mg/kg", "source": ["a"]}}, "gone": {"value": 1, "unit": "h"}}
NEW = {
    "lidocaine": {"per_kg": {"value": 3, "unit": "mg/kg", "source": ["a"]}},
    "needles": [{"gauge": {"value": 25, "unit": "gauge", "source": ["b"]}}],
}


def test_a_changed_new_or_removed_number_is_caught():
    assert changelog.changed(OLD, NEW) == {
        "gone": "removed",
        "lidocaine.per_kg": "4.5 mg/kg -> 3 mg/kg",
        "needles[0].gauge": "new",
    }
    assert changelog.changed(NEW, NEW) == {}
    moved = {"lidocaine": {"per_kg": {"value": 3, "unit": "mg/kg", "source": ["another"]}}, "needles": NEW["needles"]}
    assert changelog.changed(NEW, moved) == {}, "a new source for the same number is not a clinical change"


def test_an_entry_names_a_number_by_its_path_or_a_group_that_holds_it():
    entry = "### 0.2.0 (unreleased)\n- `lidocaine.per_kg` lowered; `needles` reordered."
    assert changelog.unannounced(OLD, NEW, entry) == {"gone": "removed"}
    assert changelog.unannounced(OLD, NEW, entry + " `gone` removed") == {}
    assert changelog.unannounced(OLD, NEW, "- lidocaine.per_kg, needles, gone (no backticks)") != {}
    assert not changelog.named("lidocaine.per_kg", "`per_kg`"), "a bare last step names nothing"


def test_the_upcoming_entry_is_the_first_one_not_released():
    text = "## Changelog\n\n### 0.2.0 (unreleased)\nnew\n\n### 0.1.0 (2026-11-25)\nold\n"
    assert changelog.upcoming_entry(text, {"0.1.0"}) == ("0.2.0", "### 0.2.0 (unreleased)\nnew\n\n")
    assert changelog.upcoming_entry(text, {"0.1.0", "0.2.0"}) == (None, "")


def test_every_number_changed_since_the_newest_release_is_in_the_changelog():
    assert changelog.problems() == []


def test_in_a_repository_a_changed_dose_without_a_changelog_line_is_reported_at_the_entry(repo):
    data = repo / "docs" / "data"
    data.mkdir(parents=True)
    (repo / "docs" / "about").mkdir()
    dose = "lidocaine:\n  per_kg: {{value: {}, unit: mg/kg, source: [a]}}\n"
    log = "# Versions\n\n## Changelog\n\n### 0.2.0 (unreleased)\n\n- {}\n\n### 0.1.0\n\nFirst.\n"
    first = commit(
        repo, "0.1.0", **{"docs/data/doses.yaml": dose.format(4.5), "docs/about/versions.md": log.format("")}
    )
    commit(repo, "record", **{"releases.toml": manifest(("0.1.0", first))})
    commit(repo, "lower lidocaine", **{"docs/data/doses.yaml": dose.format(3)})
    assert changelog.problems(repo) == [
        "docs/about/versions.md:5: lidocaine.per_kg changed since 0.1.0 (4.5 mg/kg -> 3 mg/kg); "
        "name it in the entry for 0.2.0"
    ]
    (repo / "docs" / "about" / "versions.md").write_text(log.format("`lidocaine.per_kg` lowered"), encoding="utf-8")
    assert changelog.problems(repo) == []


# -- make release ------------------------------------------------------------------------------


@pytest.fixture
def project(repo) -> Path:
    """A repository holding the release machinery, a data file and a changelog, with 0.1.0 released."""
    for folder in ("tpi_sphinx", "scripts"):
        subprocess.run(["cp", "-r", str(ROOT / folder), str(repo / folder)], check=True)
    (repo / "docs" / "data").mkdir(parents=True)
    (repo / "docs" / "about").mkdir()
    (repo / ".gitignore").write_text("__pycache__/\n", encoding="utf-8")
    subprocess.run(["cp", str(ROOT / "CITATION.cff"), str(repo)], check=True)
    dose = "lidocaine:\n  per_kg: {value: 4.5, unit: mg/kg, source: [a]}\n"
    log = "# Versions\n\n## Changelog\n\n### 0.1.0 (2026-11-25)\n\nFirst.\n"
    first = commit(repo, "0.1.0", **{"docs/data/doses.yaml": dose, "docs/about/versions.md": log})
    commit(repo, "record 0.1.0", **{"releases.toml": manifest(("0.1.0", first))})
    return repo


def make_release(project: Path, version: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "HOME": str(project),
    }
    command = [sys.executable, "scripts/release.py", version, "--no-tests", "--date", "2026-11-26"]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, env=env)


def test_make_release_dates_the_entry_records_the_release_and_tags_it(project):
    text = (project / "docs/about/versions.md").read_text(encoding="utf-8")
    entry = "### 0.2.0 (unreleased)\n\n- `lidocaine.per_kg` lowered.\n\n"
    commit(
        project,
        "lower lidocaine",
        **{
            "docs/data/doses.yaml": "lidocaine:\n  per_kg: {value: 3, unit: mg/kg, source: [a]}\n",
            "docs/about/versions.md": text.replace("### 0.1.0", entry + "### 0.1.0"),
        },
    )
    done = make_release(project, "0.2.0")
    assert done.returncode == 0, done.stderr
    assert "### 0.2.0 (2026-11-26)" in (project / "docs/about/versions.md").read_text(encoding="utf-8")
    cff = yaml.safe_load((project / "CITATION.cff").read_text(encoding="utf-8"))
    assert (cff["version"], cff["date-released"]) == ("0.2.0", "2026-11-26")
    newest = release.releases(project / "releases.toml")[-1]
    assert (newest.version, newest.date) == ("0.2.0", datetime.date(2026, 11, 26))
    assert newest.commit == git(project, "rev-parse", "HEAD~1"), "the dated changelog commit carries it"
    assert git(project, "rev-parse", "v0.2.0^{commit}") == git(project, "rev-parse", "HEAD")
    assert release.describe(project, environ={}).release == "0.2.0"
    assert git(project, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    "version, change, message",
    [
        ("0.2", None, "not MAJOR.MINOR.PATCH"),
        ("0.1.0", None, "not newer"),
        ("0.2.0", "dirty", "uncommitted"),
        ("0.2.0", None, "upcoming entry is missing"),
        ("0.2.0", "unannounced", "does not name every changed number"),
    ],
)
def test_make_release_refuses(project, version, change, message):
    if change == "dirty":
        (project / "stray.txt").write_text("x", encoding="utf-8")
    if change == "unannounced":
        text = (project / "docs/about/versions.md").read_text(encoding="utf-8")
        commit(
            project,
            "lower lidocaine quietly",
            **{
                "docs/data/doses.yaml": "lidocaine:\n  per_kg: {value: 3, unit: mg/kg, source: [a]}\n",
                "docs/about/versions.md": text.replace("### 0.1.0", "### 0.2.0 (unreleased)\n\n- Typos.\n\n### 0.1.0"),
            },
        )
    before = git(project, "rev-parse", "HEAD")
    done = make_release(project, version)
    assert done.returncode != 0 and message in done.stderr, done.stderr
    assert git(project, "rev-parse", "HEAD") == before and git(project, "tag") == ""


def test_citation_cff_names_the_newest_release_and_the_title_of_conf():
    import conf

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    newest = release.releases()[-1]
    assert (cff["version"], cff["date-released"]) == (newest.version, newest.date.isoformat())
    assert cff["title"] == conf.project
    assert cff["authors"] == [{"name": conf.author}]
    assert cff["license"] == conf.content_license.replace(" ", "-")


def version_lines(site: Path) -> dict[str, str | None]:
    """The version line of each page of a built site (None where a page has none), the search and index pages aside."""
    pages = [p for p in site.rglob("*.html") if "_static" not in p.parts and p.stem not in ("search", "genindex")]
    lines = {str(page.relative_to(site)): parsed(page).select_one(".page-review-version") for page in pages}
    return {page: line.get_text() if line else None for page, line in lines.items()}


def test_every_page_shows_the_version_and_whether_it_is_released(site):
    import conf

    expected = f"Version {conf.release}" + (
        f", {conf.html_context['release_date']}" if conf.html_context["release_date"] else " (unreleased)"
    )
    lines = version_lines(site.outdir)
    assert len(lines) > 40 and [page for page, line in lines.items() if line != expected] == []


def test_a_released_version_shows_its_number_and_date_where_a_development_version_says_unreleased(faulty_build):
    """The faulty copy is built as release 9.9.9 of 2026-12-01 (test_faults.AS_RELEASED): its pages take the released
    branch of the page template, the citations and the versions page, which no other build of the suite takes."""
    build, _ = faulty_build
    lines = version_lines(build.outdir)
    assert len(lines) > 40 and set(lines.values()) == {"Version 9.9.9, 2026-12-01"}
    assert "You are reading version 9.9.9 (Released 2026-12-01)." in _text(build.outdir / "about" / "versions.html")
    cite = _text(build.outdir / "about" / "how-to-cite.html")
    assert "Version 9.9.9, released 2026-12-01" in cite and "unreleased" not in cite


def _text(page) -> str:
    return " ".join(parsed(page).get_text(" ").split())
