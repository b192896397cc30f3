"""Every version online (`make versions`, tpi_sphinx/versions) and its hosted twin (.readthedocs.yaml).

A temporary git repository with two releases (the tree of the project's last release, or of the project as it is
before the first) and main (the project as it is now) is built once with `make versions FORMATS="html epub"`: each
version in its own checkout, with its own conf.py (a title that names the version) and its own virtual environment;
a page that only main has shows where the switcher falls back to a version's home. (The releases are built with
the last release's code; what the current code shows for a release, test_release checks on a copy built as one.)
The tests then check the versioned site as a reader meets it: switcher links that all resolve, the
banner of old and dev versions, the root that redirects to the latest release, versions.json, and the
pages in Chromium (security policy, accessibility in light and dark mode), and each version's pages and EPUB
through the standards checkers (Nu Html Checker, EPUBCheck). A release with a broken page
must fail `make versions`, where sphinx-polyversion alone drops the version and exits 0.

The test's `make versions` uses the project's cache (`_build/versions-cache`, tpi_sphinx/versions/cache.py), as
`make versions` does: the virtual environments are made once for each set of requirements, and the builds of
the test repository's commits are reused: their dates are fixed, so the releases are the same commits while the
last release is, and main while the sources are.
A fake Makefile shows that a kept build is reused only while every input is the same.
"""

import asyncio
import dataclasses
import datetime
import io
import json
import os
import posixpath
import re
import shutil
import subprocess
import tarfile
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sphinx_polyversion.git
import yaml
from bs4 import BeautifulSoup
from sphinx_polyversion.builder import Builder, BuildError
from sphinx_polyversion.driver import DefaultDriver
from sphinx_polyversion.environment import Environment
from test_browser import open_tab, serious_violations, visit
from test_epub import checked_epub
from test_site import csp_violations
from test_standards import checked_fragments, checked_pages

from conftest import ROOT, add_long_page, parsed
from tpi_sphinx.release import releases
from tpi_sphinx.versions import cache, manifest, site
from tpi_sphinx.versions.__main__ import formats
from tpi_sphinx.versions.build import Built, Driver, MakeBuilder, Versions, VersionsFailed
from tpi_sphinx.versions.cache import Cache

NEW_PAGE = "background/long-test-page.html"  # in main only
LEFT_ALONE = {"404.html"}


# -- A repository with a history: two releases and main ---------------------------------------------


# The test repository's commits carry one fixed time (2026-03-01, after its releases' dates), so that the same
# sources make the same commits in every session, and `make versions` can reuse their builds and the checkers
# their verdicts. (Not the project's last commit time: any commit, even to a test, would change every build.)
DATED = {"GIT_AUTHOR_DATE": "@1772323200 +0000"}
DATED["GIT_COMMITTER_DATE"] = DATED["GIT_AUTHOR_DATE"]
# Where the test's `make versions` keeps environments and builds: the project's own cache, as `make versions` uses.
CACHE = ROOT / "_build" / "versions-cache"


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false"]
    env = {**os.environ, **DATED}
    done = subprocess.run([*command, *args], cwd=repo, check=True, capture_output=True, text=True, env=env)
    return done.stdout.strip()


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def manifest_text(releases: list[tuple[str, str, str]]) -> str:
    return "# The test repository's releases.\n" + "".join(
        f'\n[[release]]\nversion = "{version}"\ndate = {date}\ncommit = "{sha}"\n' for version, date, sha in releases
    )


def titled(repo: Path, title: str) -> None:
    """Give the version's own conf.py a title of its own: it shows which conf.py built a page."""
    conf = repo / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + f'\nhtml_title = "{title}"\n', encoding="utf-8")


def last_release() -> str | None:
    """The commit of the project's last release, as releases.toml records it (None before the first release)."""
    recorded = releases(ROOT / "releases.toml")
    if not recorded:
        return None
    commit = recorded[-1].commit
    here = subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=ROOT, capture_output=True)
    assert here.returncode == 0, (
        f"the last release's commit {commit} is not in this clone (a shallow clone? git fetch --unshallow)"
    )
    return commit


def put_tree(repo: Path, commit: str | None = None) -> None:
    """Fill ``repo`` with the project's tree as git sees it now (what it tracks, and new files it does not ignore),
    file times kept; or, given a ``commit`` of the project, with the tree of that commit. Neither symbolic links
    (the project has none) nor tests/, which no version's build reads, so that a change to a test leaves the
    repository's commits, and the builds kept for them, as they were."""
    if commit:
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            wanted = [m for m in tar if (m.isfile() or m.isdir()) and m.name.split("/")[0] != "tests"]
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python 3.11.4 and later
            tar.extractall(repo, wanted, **safe)
        return
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        if name.startswith("tests/"):
            continue
        if (ROOT / name).is_file() and not (ROOT / name).is_symlink():  # a file deleted, not yet committed
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)


def new_repository(repo: Path, commit: str | None = None) -> Path:
    """A fresh git repository with the project's tree (``put_tree``) and no releases yet."""
    repo.mkdir(parents=True)
    put_tree(repo, commit)
    (repo / "releases.toml").write_text(manifest_text([]), encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    return repo


def replace_tree(repo: Path) -> None:
    """Replace what ``repo`` holds (its .git aside) with the project's tree as it is now."""
    for entry in repo.iterdir():
        if entry.name != ".git":
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    put_tree(repo)


def make_versions(repo: Path, formats: str = "html") -> subprocess.CompletedProcess:
    """`make versions` in ``repo``, as a reader runs it (the outer make uses this checkout's .venv), with
    the project's cache of environments and builds."""
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "versions",
            f"FORMATS={formats}",
            f"VENV={ROOT / '.venv'}",
            f"VERSIONS_CACHE={CACHE}",
        ],
        cwd=repo,
        capture_output=True,
        text=True,
    )


def build_history_and_versions(folder: Path) -> Path:
    """Release 0.1.0 and release 0.2.0, each the project's last release with a title of its own, then main, the
    project as it is now with a page that no release has, in a repository in ``folder``; and its versioned site,
    built with `make versions`. (Made once per test session, by conftest.py's shared builds.) The releases are
    the same commits while the project's last release is, so their builds, and the checkers' verdicts on them,
    are kept from run to run: after a change to the sources only main is built and checked again."""
    repo = new_repository(folder / "repo", last_release())
    base = (repo / "conf.py").read_text(encoding="utf-8")
    titled(repo, "Versions test 0.1.0")
    first = commit(repo, "0.1.0")
    (repo / "conf.py").write_text(base, encoding="utf-8")
    titled(repo, "Versions test 0.2.0")
    second = commit(repo, "0.2.0")
    replace_tree(repo)
    titled(repo, "Versions test dev")
    add_long_page(repo)
    releases = [("0.1.0", "2026-01-10", first), ("0.2.0", "2026-02-20", second)]
    (repo / "releases.toml").write_text(manifest_text(releases), encoding="utf-8")
    commit(repo, "main: a new page, and the releases recorded")
    done = make_versions(repo, "html epub")  # the PDF is left out: test_pdf.py checks the book
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    return repo


def dev_release(history: Path) -> str:
    """The release that main builds as: a commit after 0.2.0, so a development release of the next minor version."""
    return f"0.3.0.dev1+g{git(history, 'rev-parse', 'HEAD')[:7]}"


@pytest.fixture(scope="session")
def history(shared) -> Path:
    """The repository with two releases and main (its versioned site built)."""
    return shared.get("versioned")


@pytest.fixture(scope="session")
def versioned(history) -> Path:
    """The versioned site of ``history``, built once."""
    return history / "_build" / "versions"


def soup(path: Path) -> BeautifulSoup:
    """The page at ``path``, parsed once (several tests read every page of every version)."""
    return parsed(path.resolve())


# -- The checkers' verdicts on what did not change ---------------------------------------------------
#
# The three versions' pages and EPUBs are the same from run to run while the sources are (their builds are
# reused from the versions cache), and a checker gives the same verdict on the same bytes: their passing
# verdicts are kept (tests/verdicts.py).


def pages(site_root: Path) -> dict[str, set[str]]:
    """The pages of each version folder of a versioned site."""
    return {folder.name: site.pages(folder) for folder in sorted(site_root.iterdir()) if folder.is_dir()}


# -- make versions builds every version in its own checkout -----------------------------------------


def test_make_versions_builds_both_releases_and_main_each_with_its_own_conf_py(versioned):
    assert sorted(pages(versioned)) == ["0.1.0", "0.2.0", "dev"]
    for name in ("0.1.0", "0.2.0", "dev"):
        assert soup(versioned / name / "index.html").title.string.endswith(f"Versions test {name}"), name
    assert (versioned / "dev" / NEW_PAGE).is_file()
    assert not (versioned / "0.2.0" / NEW_PAGE).exists()


def test_each_release_builds_as_that_release_and_main_as_unreleased(versioned, history):
    """No .git in a checkout: the commit comes in TPI_COMMIT and the current releases.toml is copied in,
    since a release's commit cannot hold its own hash."""
    line = {
        name: soup(versioned / name / "index.html").find(class_="page-review-version").get_text(" ", strip=True)
        for name in ("0.1.0", "0.2.0", "dev")
    }
    assert line == {
        "0.1.0": "Version 0.1.0, 2026-01-10",
        "0.2.0": "Version 0.2.0, 2026-02-20",
        "dev": f"Version {dev_release(history)} (unreleased)",
    }


def test_each_version_is_made_by_its_own_makefile_in_its_own_virtual_environment(versioned, history, tmp_path):
    """The outer make's VENV= reaches no version: each checkout's .venv is the environment that the version's
    own Makefile made from the version's own requirements (kept in the cache under their hash)."""
    for version in manifest.versions(history):
        log = (versioned.parent / "versions-logs" / f"{version.name}.log").read_text(encoding="utf-8")
        venv = re.search(r"^versions: \.venv is (\S+), made from requirements.txt \(log: (\S+)\)$", log, re.M)
        assert venv, version.name
        made = Path(venv[2]).read_text(encoding="utf-8")
        assert f"{venv[1]}/bin/pip install --quiet --require-hashes -r requirements.txt" in made, version.name
        assert ".venv/bin/sphinx-build -b html -c . -W --keep-going -n" in log, version.name
        assert str(ROOT / ".venv") not in log + made, version.name
        ownfiles = tmp_path / version.name
        for name in ("requirements.txt", "scripts/bootstrap-venv"):
            (ownfiles / name).parent.mkdir(parents=True, exist_ok=True)
            shown = subprocess.run(["git", "show", f"{version.commit}:{name}"], cwd=history, capture_output=True)
            (ownfiles / name).write_bytes(shown.stdout)
        assert Path(venv[1]) == CACHE / "venvs" / Cache(CACHE).venv_key(ownfiles, os.environ), version.name


def test_versions_json_lists_every_version_with_label_date_and_path(versioned, history):
    listed = json.loads((versioned / "versions.json").read_text(encoding="utf-8"))
    head = git(history, "rev-parse", "HEAD")
    by_name = {entry["name"]: entry for entry in listed}
    assert [entry["name"] for entry in listed] == ["0.2.0", "0.1.0", "dev"]
    assert {name: entry["label"] for name, entry in by_name.items()} == {
        "0.2.0": "latest",
        "0.1.0": "old",
        "dev": "dev",
    }
    assert by_name["0.1.0"]["date"] == "2026-01-10" and by_name["0.2.0"]["date"] == "2026-02-20"
    assert by_name["dev"]["commit"] == head
    when = int(git(history, "show", "-s", "--format=%ct", "HEAD"))
    assert by_name["dev"]["date"] == datetime.datetime.fromtimestamp(when, datetime.UTC).date().isoformat()
    for entry in listed:
        assert (versioned / entry["path"] / "index.html").is_file()
        epub = entry["downloads"]["epub"]  # FORMATS="html epub"
        assert list(entry["downloads"]) == ["epub"], entry
        assert epub.startswith(f"{entry['name']}/downloads/tpi-reference-") and epub.endswith(".epub"), epub
        assert (versioned / epub).is_file(), epub


def test_the_root_redirects_to_the_latest_release(versioned):
    root = soup(versioned / "index.html")
    refresh = root.find("meta", attrs={"http-equiv": "refresh"})["content"]
    assert refresh == "0; url=0.2.0/index.html"
    assert [a["href"] for a in root.find_all("a")] == [
        "0.2.0/index.html",
        "0.2.0/index.html",
        "0.1.0/index.html",
        "dev/index.html",
    ]


# -- The switcher: on every page, each link resolves, to the same page where it exists --------------


def switcher_links(site_root: Path) -> list[tuple[str, str, Path]]:
    """Every link of every switcher: (page, href, the file it leads to)."""
    found = []
    for page in sorted(site_root.glob("*/**/*.html")):
        nav = soup(page).find("nav", class_="tpi-versions")
        for link in nav.find_all("a") if nav else []:
            found.append((page.relative_to(site_root).as_posix(), link["href"], page.parent / link["href"]))
    return found


def unresolved(site_root: Path) -> list[str]:
    return [f"{page}: {href}" for page, href, target in switcher_links(site_root) if not target.resolve().is_file()]


def test_every_switcher_link_resolves_to_an_existing_file(versioned):
    links = switcher_links(versioned)
    assert len(links) > 3 * 3 * 30  # three links on each page of three versions
    assert unresolved(versioned) == []


def test_the_link_check_reports_a_link_to_a_missing_file(tmp_path):
    (tmp_path / "1.0").mkdir()
    (tmp_path / "1.0" / "index.html").write_text(
        '<nav class="tpi-versions"><a href="index.html">1.0</a> <a href="../2.0/index.html">2.0</a></nav>'
    )
    assert unresolved(tmp_path) == ["1.0/index.html: ../2.0/index.html"]


def test_every_page_of_every_version_passes_the_nu_html_checker(versioned, history):
    """The standards check of test_standards.py on what `make versions` builds: each version's pages with
    their switcher and banner, and the root that redirects to the latest release."""
    checked = sorted(versioned.rglob("*.html"))
    assert {"index.html", "0.1.0/search.html", "dev/genindex.html", "0.2.0/404.html"} <= {
        page.relative_to(versioned).as_posix() for page in checked
    }
    assert checked_pages(checked, dev_release(history)) == []  # the releases' pages do not change
    assert checked_fragments(versioned, ("0.1.0", "0.2.0", "dev")) == []


def test_every_version_links_its_own_epub_and_it_passes_epubcheck(versioned, history):
    """The EPUB check of test_epub.py on each version's EPUB, found through the link in its switcher."""
    committed = {version.name: version.timestamp for version in manifest.versions(history)}
    for name in ("0.1.0", "0.2.0", "dev"):
        home = soup(versioned / name / "index.html")
        links = [a["href"] for a in home.select("nav.tpi-versions a") if a.get_text() == "EPUB"]
        assert len(links) == 1 and links[0].startswith("downloads/") and links[0].endswith(".epub"), (name, links)
        epub = versioned / name / links[0]
        assert epub.is_file(), epub
        assert checked_epub(epub, committed[name]) == [], name


def test_every_page_has_one_switcher_that_goes_to_the_same_page_or_else_home(versioned):
    found = pages(versioned)
    for name, names in found.items():
        for page in names - LEFT_ALONE:
            nav = soup(versioned / name / page).find_all("nav", class_="tpi-versions")
            assert len(nav) == 1 and nav[0]["aria-label"] == "Versions", f"{name}/{page}"
            links = nav[0].select("ul a")  # the versions; the downloads follow in their own paragraph
            assert [a.get_text(" ", strip=True).split()[0] for a in links] == ["0.2.0", "0.1.0", "dev"]
            current = [a for a in links if a.get("aria-current") == "page"]
            assert len(current) == 1 and current[0].get_text().startswith(name), f"{name}/{page}"
            for a, other in zip(links, ["0.2.0", "0.1.0", "dev"], strict=True):
                expected = page if page in found[other] else "index.html"
                target = posixpath.normpath(posixpath.join(posixpath.dirname(f"{name}/{page}"), a["href"]))
                assert target == f"{other}/{expected}", f"{name}/{page} -> {a['href']}"
                assert ("(home" in a.get_text()) == (page not in found[other])


def test_a_page_that_only_main_has_sends_to_the_home_of_each_release(versioned):
    links = soup(versioned / "dev" / NEW_PAGE).find("nav", class_="tpi-versions").select("ul a")
    assert [a["href"] for a in links] == ["../../0.2.0/index.html", "../../0.1.0/index.html", "long-test-page.html"]
    assert "this page is not in 0.1.0" in links[1].get_text()


def test_the_switcher_labels_the_latest_release_and_dev(versioned):
    nav = soup(versioned / "0.1.0" / "index.html").find("nav", class_="tpi-versions")
    assert [li.get_text(" ", strip=True) for li in nav.find_all("li")] == ["0.2.0 latest", "0.1.0", "dev"]


def test_404_pages_are_left_alone(versioned):
    """Served at any missing address, a 404 page cannot hold relative links."""
    for name in ("0.1.0", "0.2.0", "dev"):
        assert "tpi-versions" not in (versioned / name / "404.html").read_text(encoding="utf-8")


# -- The banner of old and dev versions ---------------------------------------------------------------


def banner(path: Path):
    return soup(path).find("div", class_="tpi-version-banner")


def test_old_and_dev_pages_name_the_latest_release_and_link_to_the_same_page_there(versioned):
    page = "procedure/maximum-doses.html"
    old = banner(versioned / "0.1.0" / page)
    assert "version 0.1.0 of 2026-01-10, an older release" in old.get_text(" ", strip=True)
    assert "The latest release is 0.2.0 of 2026-02-20" in old.get_text(" ", strip=True)
    assert old.a["href"] == "../../0.2.0/procedure/maximum-doses.html"
    article = soup(versioned / "dev" / page).find("article", role="main")
    dev = article.find(True)  # the first thing in the article
    assert dev["class"] == ["tpi-version-banner"]
    assert "development version" in dev.get_text() and "The latest release is 0.2.0" in dev.get_text()
    assert dev.a["href"] == "../../0.2.0/procedure/maximum-doses.html"


def test_a_dev_page_missing_from_the_latest_release_sends_to_its_home(versioned):
    dev = banner(versioned / "dev" / NEW_PAGE)
    assert dev.a["href"] == "../../0.2.0/index.html" and "this page is not in it" in dev.get_text()


def test_the_latest_release_shows_no_banner(versioned):
    found = pages(versioned)
    assert all(banner(versioned / "0.2.0" / page) is None for page in found["0.2.0"])
    assert all(banner(versioned / "0.1.0" / page) for page in found["0.1.0"] - LEFT_ALONE)
    assert all(banner(versioned / "dev" / page) for page in found["dev"] - LEFT_ALONE)


def test_fragments_carry_no_script_and_no_inline_style(versioned):
    page = soup(versioned / "0.1.0" / "index.html")
    for fragment in (page.find("nav", class_="tpi-versions"), page.find("div", class_="tpi-version-banner")):
        assert fragment.find("script") is None and fragment.find(style=True) is None
        assert not fragment.has_attr("style")
    assert page.find("link", href="_static/tpi-versions.css")
    assert (versioned / "0.1.0" / "_static" / "tpi-versions.css").is_file()


# -- In Chromium: the redirect, the security policy, accessibility ------------------------------------


@pytest.fixture(scope="session")
def served_versions(versioned):
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(versioned)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_browser_at_the_root_lands_on_the_latest_release(page, served_versions):
    page.goto(f"{served_versions}/")
    page.wait_for_url(f"{served_versions}/0.2.0/index.html")
    assert page.title().endswith("Versions test 0.2.0")


def test_the_switcher_leads_to_the_same_page_in_another_version(page, served_versions):
    page.goto(f"{served_versions}/dev/safety/last.html")
    page.locator("nav.tpi-versions").get_by_role("link", name=re.compile(r"^0\.1\.0")).click()
    page.wait_for_url(f"{served_versions}/0.1.0/safety/last.html")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_switcher_and_banner_are_accessible_and_within_the_security_policy(browser, served_versions, scheme):
    context, tab, watch = open_tab(browser, served_versions, scheme)
    for path in ("dev/procedure/maximum-doses.html", "0.1.0/index.html", "0.2.0/glossary.html"):
        assert csp_violations(tab, f"{served_versions}/{path}") == [], path
        visit(tab, f"{served_versions}/{path}")
        assert tab.locator("nav[aria-label=Versions] [aria-current=page]").count() == 1
        assert serious_violations(tab) == [], f"{scheme}: {path}"
    visit(tab, f"{served_versions}/0.1.0/index.html")
    styled = tab.locator(".tpi-version-banner").evaluate("e => getComputedStyle(e).borderLeftStyle")
    context.close()
    assert styled == "solid"  # the stylesheet file loaded
    assert watch.errors == [] and watch.outside == []


# -- A version that fails to build fails the run -------------------------------------------------------


def in_a_thread(run):
    """Run ``run()`` in a thread of its own: Playwright's sync API keeps an event loop running in this one,
    and sphinx-polyversion starts its own with asyncio.run."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


class Fails(Builder):
    async def build(self, environment, output_dir, data):
        raise BuildError("broken on purpose")


class MakesNothing(Builder):
    async def build(self, environment, output_dir, data):
        return Built({}, 0.0)


def test_sphinx_polyversion_alone_drops_a_failed_version_and_carries_on(history, tmp_path):
    """The pitfall that the driver guards against."""
    versions = manifest.versions(history)[:1]
    driver = DefaultDriver(
        history, tmp_path / "site", vcs=Versions(versions), builder=Fails(), env=Environment.factory()
    )
    in_a_thread(lambda: driver.run(sequential=True))  # no exception
    assert driver.builds == [] and json.loads((tmp_path / "site" / "versions.json").read_text()) == []


def check_out_at_once(repo: Path, folder: Path, versions: list[manifest.Version]) -> None:
    """Check every version of ``repo`` out into ``folder``/its name, all started at once, as the driver does."""
    vcs = Versions(versions)

    async def check_out_all():
        await asyncio.gather(*(vcs.checkout(repo, folder / v.name, v.ref()) for v in versions))

    in_a_thread(lambda: asyncio.run(check_out_all()))


def test_versions_checked_out_at_once_each_get_their_tree(tmp_path):
    """sphinx-polyversion checks each version out through a git worktree, and `git worktree add` fails while
    another worktree of the repository is being added or removed: twelve checkouts started at once (as many as the
    versions of a long history) must all arrive, each with its own commit's files."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    versions = []
    for number in range(12):
        (repo / "number.txt").write_text(str(number))
        sha = commit(repo, f"{number}")
        versions.append(manifest.Version(f"0.{number}.0", "old", sha, datetime.date(2026, 1, 1), 1767225600, None))
    check_out_at_once(repo, tmp_path, versions)
    assert [(tmp_path / v.name / "number.txt").read_text() for v in versions] == [str(n) for n in range(12)]


def test_a_failed_checkout_is_reported_with_what_git_said(tmp_path, monkeypatch):
    async def copy_tree(repo, ref, dest):
        raise subprocess.CalledProcessError(128, "git worktree add", stderr=b"fatal: failed to read commondir")

    monkeypatch.setattr(sphinx_polyversion.git, "_copy_tree", copy_tree)
    with pytest.raises(VersionsFailed) as failed:
        in_a_thread(lambda: Driver(tmp_path, tmp_path / "site", [VERSION], MakesNothing()).run(sequential=True))
    assert "(fatal: failed to read commondir)" in failed.value.failures["dev"]


def test_one_checkout_at_a_time(tmp_path, monkeypatch):
    """What keeps the worktrees apart, shown without git's timing: a checkout starts when the one before is done."""
    running, most = 0, 0

    async def copy_tree(repo, ref, dest):  # sphinx-polyversion's checkout, which adds and removes a worktree
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1

    monkeypatch.setattr(sphinx_polyversion.git, "_copy_tree", copy_tree)
    versions = [dataclasses.replace(VERSION, name=f"0.{n}.0", label="old") for n in range(4)]
    check_out_at_once(tmp_path, tmp_path, versions)
    assert most == 1


@pytest.mark.parametrize(("builder", "reason"), [(Fails(), "broken on purpose"), (MakesNothing(), "no index.html")])
def test_the_driver_fails_naming_each_version_that_did_not_build(history, tmp_path, builder, reason):
    versions = manifest.versions(history)[:2]
    with pytest.raises(VersionsFailed) as failed:
        in_a_thread(lambda: Driver(history, tmp_path / "site", versions, builder).run(sequential=True))
    assert list(failed.value.failures) == ["0.1.0", "0.2.0"]
    assert all(reason in why for why in failed.value.failures.values())


ONE_PAGE_CONF = 'project = "One page"\nextensions = ["myst_parser"]\nhtml_theme = "furo"\n'
ONE_PAGE = "# One page\n\nA page.\n"


def one_page_project(repo: Path) -> None:
    """Make the sources in ``repo`` a project of one page with a conf.py of its own: the project's Makefile, build
    code and requirements stay, and the page builds in a second or two (where the reference takes ten)."""
    shutil.rmtree(repo / "docs")
    (repo / "docs").mkdir()
    (repo / "docs" / "index.md").write_text(ONE_PAGE, encoding="utf-8")
    (repo / "conf.py").write_text(ONE_PAGE_CONF, encoding="utf-8")


def test_a_release_with_a_broken_page_fails_make_versions_naming_it(tmp_path):
    """A project of one page (one_page_project), so that the broken release, which is built again on every run (a
    failed build is never kept), and main, built again when the project's code changes, build quickly: what is
    tested is `make versions`, which is the project's own. Main must build (or come from the cache) beside the
    broken release; if it does not, its log shows why."""
    repo = new_repository(tmp_path / "repo")
    one_page_project(repo)
    index = repo / "docs" / "index.md"
    index.write_text(ONE_PAGE + "\nSee {ref}`a-target-that-does-not-exist`.\n", encoding="utf-8")
    broken = commit(repo, "0.1.0, with a broken cross-reference")
    index.write_text(ONE_PAGE, encoding="utf-8")
    (repo / "releases.toml").write_text(manifest_text([("0.1.0", "2026-01-10", broken)]), encoding="utf-8")
    commit(repo, "main: fixed")
    done = make_versions(repo)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert re.search(r"^versions: dev built in \d+ s$", done.stderr, re.M), done.stderr[-5000:]
    assert [line for line in lines if "failed to build" in line] == ["make versions: failed to build 0.1.0"], (
        done.stderr[-5000:]
    )
    assert re.match(r"make(\[\d+\])?: \*\*\* ", lines[-1])  # the failure reaches make, which stops
    assert "a-target-that-does-not-exist" in done.stderr  # the end of the version's log is shown
    assert not (repo / "_build" / "versions" / "index.html").exists()  # no site with a version missing


# -- One version's build: what its make gets, what is collected ---------------------------------------

FAKE_MAKEFILE = """\
VENV := .venv
$(VENV)/.installed: requirements.txt
\tmkdir -p $(VENV) && cp requirements.txt $(VENV)/ && echo $(VENV) >> ../venvs-made && touch $@
html: $(VENV)/.installed
\tmkdir -p $(BUILD)/html && echo html >> ../builds-made
\techo "$(VENV) $$TPI_COMMIT $$TPI_COMMIT_DATE $$SOURCE_DATE_EPOCH $$TPI_DISTANCE" > $(BUILD)/html/index.html
epub:
\tmkdir -p $(BUILD)/epub && echo book > $(BUILD)/epub/tpi-reference-9.9.9.epub
pdf:
\techo 'LaTeX Error: broken on purpose' && false
"""

VERSION = manifest.Version("dev", "dev", "c0ffee" * 6 + "c0ff", datetime.date(2026, 3, 1), 1772323200, 7)


def fake_build(
    tmp_path: Path,
    formats: tuple[str, ...],
    kept: Path | None = None,
    version: manifest.Version = VERSION,
    requirements: str = "sphinx==9.0\n",
) -> Built:
    """One version's build by MakeBuilder, in a fresh checkout with FAKE_MAKEFILE, into tmp_path/out;
    tmp_path/builds-made and tmp_path/venvs-made get a line each time make builds the site or an environment."""
    checkout, out = tmp_path / "checkout", tmp_path / "out"
    for folder in (checkout, out):
        shutil.rmtree(folder, ignore_errors=True)
    checkout.mkdir()
    (checkout / "Makefile").write_text(FAKE_MAKEFILE)
    (checkout / "requirements.txt").write_text(requirements)
    (checkout / "releases.toml").write_text("# an old manifest\n")
    if not (tmp_path / "releases.toml").exists():
        (tmp_path / "releases.toml").write_text("# the current manifest\n")
    builder = MakeBuilder(formats, tmp_path / "releases.toml", tmp_path / "logs", kept)
    return in_a_thread(lambda: asyncio.run(builder.build(Environment(checkout, "dev"), out, version)))


def made(tmp_path: Path, what: str) -> list[str]:
    """What make made so far: a line for each site ("builds") or environment ("venvs")."""
    found = tmp_path / f"{what}-made"
    return found.read_text().splitlines() if found.exists() else []


def test_a_version_gets_its_commit_in_the_environment_and_not_the_outer_makes_variables(tmp_path, monkeypatch):
    # what `make bench BENCH="--only test" BUILD=/tmp/b` hands down to the tests' `make versions`: the variables in
    # MAKEFLAGS and in the environment
    monkeypatch.setenv("MAKEFLAGS", r"s -- BENCH=--only\ test BUILD=/tmp/b")
    monkeypatch.setenv("BENCH", "--only test")
    monkeypatch.setenv("BUILD", "/tmp/b")
    built = fake_build(tmp_path, ("html", "epub"))
    assert not {"BENCH", "BUILD", "MAKEFLAGS"} & set(MakeBuilder(("html",), tmp_path, tmp_path).environ(VERSION))
    seen = (tmp_path / "out" / "index.html").read_text().split()
    assert seen == [".venv", VERSION.commit, "2026-03-01", "1772323200", "7"]
    assert built.downloads == {"epub": "downloads/tpi-reference-9.9.9.epub"}
    assert (tmp_path / "out" / "downloads" / "tpi-reference-9.9.9.epub").read_text() == "book\n"
    assert (tmp_path / "checkout" / "releases.toml").read_text() == "# the current manifest\n"


def test_a_failed_make_raises_with_the_end_of_its_log(tmp_path):
    with pytest.raises(BuildError, match="LaTeX Error: broken on purpose"):
        fake_build(tmp_path, ("html", "pdf"))
    assert "broken on purpose" in (tmp_path / "logs" / "dev.log").read_text()


def test_a_kept_build_is_reused_as_it_was_built(tmp_path):
    kept = tmp_path / "cache"
    first = fake_build(tmp_path, ("html", "epub"), kept)
    site, log = (tmp_path / "out" / "index.html").read_text(), (tmp_path / "logs" / "dev.log").read_text()
    again = fake_build(tmp_path, ("html", "epub"), kept)
    assert made(tmp_path, "builds") == ["html"]  # make ran once
    assert again.downloads == first.downloads == {"epub": "downloads/tpi-reference-9.9.9.epub"}
    assert (tmp_path / "out" / "index.html").read_text() == site
    assert (tmp_path / "out" / "downloads" / "tpi-reference-9.9.9.epub").read_text() == "book\n"
    reused = (tmp_path / "logs" / "dev.log").read_text()
    assert reused.startswith("versions: dev not built again: its build is kept in ") and reused.endswith(log)


def test_a_change_in_any_input_of_a_build_builds_it_again(tmp_path, monkeypatch):
    kept = tmp_path / "cache"
    fake_build(tmp_path, ("html", "epub"), kept)
    fake_build(tmp_path, ("html",), kept)  # other formats
    assert len(made(tmp_path, "builds")) == 2
    fake_build(tmp_path, ("html",), kept, dataclasses.replace(VERSION, commit="beef" * 10))  # another commit
    fake_build(tmp_path, ("html",), kept, dataclasses.replace(VERSION, timestamp=1772323201))  # another date
    fake_build(tmp_path, ("html",), kept, dataclasses.replace(VERSION, distance=8))  # another TPI_DISTANCE
    assert len(made(tmp_path, "builds")) == 5
    (tmp_path / "releases.toml").write_text("# the manifest with a new release\n")
    fake_build(tmp_path, ("html",), kept)
    assert len(made(tmp_path, "builds")) == 6
    monkeypatch.setenv("SPHINXOPTS", "-D language=fr")  # read by the build (the Makefile's options)
    fake_build(tmp_path, ("html",), kept)
    monkeypatch.setenv("BUILD_TEST_NOTHING_READS_THIS", "1")
    fake_build(tmp_path, ("html",), kept)
    assert len(made(tmp_path, "builds")) == 7
    code = tmp_path / "build.py"
    code.write_text("# the code that builds a version\n")
    monkeypatch.setattr(cache, "BUILDER_CODE", (code,))
    fake_build(tmp_path, ("html",), kept)
    code.write_text("# the code that builds a version, changed\n")
    fake_build(tmp_path, ("html",), kept)
    assert len(made(tmp_path, "builds")) == 9


def test_the_key_of_a_build_takes_the_variables_its_makefile_uses_from_the_environment(tmp_path):
    (tmp_path / "Makefile").write_text("PAPER ?= a4\nBOOK := x\nall:\n\techo $(PAPER) ${LANG_OF} $$EDITOR $${PAGER}\n")
    assert cache.make_names(tmp_path / "Makefile") == {"PAPER", "BOOK", "LANG_OF", "EDITOR", "PAGER"}
    kept = Cache(tmp_path / "cache")
    key = partial(kept.build_key, tmp_path, VERSION.commit, ("html",))
    assert key({"PAPER": "letter"}) != key({"PAPER": "a4"}) != key({})
    assert key({"TPI_ANYTHING": "1"}) != key({}) and key({"SOURCE_DATE_EPOCH": "1"}) != key({})
    assert key({"HOME": "/root", "PAPERS": "x"}) == key({})  # what neither the build nor the Makefile reads


def test_only_the_builds_used_last_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "KEEP_BUILDS", 2)
    kept = tmp_path / "cache"
    for commit in ("a", "b", "a", "c"):  # a is used again after b, so b is the oldest when c comes
        fake_build(tmp_path, ("html",), kept, dataclasses.replace(VERSION, commit=commit * 40))
    assert len(made(tmp_path, "builds")) == 3 and len(list((kept / "builds").iterdir())) == 2
    fake_build(tmp_path, ("html",), kept, dataclasses.replace(VERSION, commit="a" * 40))
    fake_build(tmp_path, ("html",), kept, dataclasses.replace(VERSION, commit="b" * 40))
    assert len(made(tmp_path, "builds")) == 4  # a was kept, b was removed


def test_a_build_that_failed_is_not_kept(tmp_path):
    kept = tmp_path / "cache"
    for _ in range(2):
        with pytest.raises(BuildError, match="LaTeX Error: broken on purpose"):
            fake_build(tmp_path, ("html", "pdf"), kept)
    assert made(tmp_path, "builds") == ["html", "html"]
    assert not (kept / "builds").exists() or list((kept / "builds").iterdir()) == []


def test_a_virtual_environment_is_made_once_for_each_set_of_requirements_by_the_versions_makefile(tmp_path):
    kept = tmp_path / "cache"
    fake_build(tmp_path, ("html",), kept)
    venv = (tmp_path / "checkout" / ".venv").resolve()
    assert made(tmp_path, "venvs") == [str(venv)] and venv.parent == kept / "venvs"
    assert (venv / "requirements.txt").read_text() == "sphinx==9.0\n"
    log = (tmp_path / "logs" / "dev.log").read_text()
    assert log.startswith(f"versions: .venv is {venv}, made from requirements.txt")
    assert log.splitlines()[1] == "mkdir -p .venv/_build/html && echo html >> ../builds-made".replace(
        ".venv/_build", str(tmp_path / "checkout" / "_build")
    )  # make did not install again: it went straight to the site
    fake_build(tmp_path, ("html",), kept, dataclasses.replace(VERSION, commit="beef" * 10))
    assert made(tmp_path, "venvs") == [str(venv)] and len(made(tmp_path, "builds")) == 2
    fake_build(tmp_path, ("html",), kept, dataclasses.replace(VERSION, commit="cafe" * 10), "sphinx==9.1\n")
    other = (tmp_path / "checkout" / ".venv").resolve()
    assert made(tmp_path, "venvs") == [str(venv), str(other)] and other != venv
    assert (other / "requirements.txt").read_text() == "sphinx==9.1\n"


def test_without_a_cache_each_checkout_makes_its_own_environment_and_keeps_nothing(tmp_path):
    for _ in range(2):
        fake_build(tmp_path, ("html",))
        assert not (tmp_path / "checkout" / ".venv").is_symlink()
    assert made(tmp_path, "venvs") == [".venv", ".venv"] and len(made(tmp_path, "builds")) == 2


def test_formats_need_html_and_know_pdf_and_epub():
    assert formats("html") == ("html",)
    assert formats("epub,html pdf") == ("html", "pdf", "epub")
    for wrong in ("pdf", "html xml", ""):
        with pytest.raises(Exception, match="give html"):
            formats(wrong)


# -- Putting fragments into a page ---------------------------------------------------------------------


def test_fragments_go_into_furo_pages_only():
    page = '<html><head></head><body><div class="sidebar-scroll"></div><article role="main" id="m"></article>'
    fragments = {"stylesheet": "<link>", "switcher": "<nav></nav>", "banner": "<div>b</div>"}
    assert site.insert(page, fragments, "p") == (
        '<html><head><link></head><body><nav></nav><div class="sidebar-scroll"></div>'
        '<article role="main" id="m"><div>b</div></article>'
    )
    with pytest.raises(site.LayoutError, match="0 matches"):
        site.insert(page.replace("sidebar-scroll", "sidebar"), fragments, "p")
    with pytest.raises(site.LayoutError, match="2 matches"):
        site.insert(page + page, fragments, "p")


def test_downloads_are_linked_from_the_switcher_of_their_version():
    template = site._environment().get_template("versions.html").module
    link = site.Link(VERSION, "index.html", True, True)
    html = str(template.switcher([link], [{"label": "PDF", "href": "downloads/tpi-reference-0.2.0.pdf"}]))
    assert 'Download <a href="downloads/tpi-reference-0.2.0.pdf">PDF</a>' in html
    assert "Download" not in str(template.switcher([link], []))


# -- Read the Docs --------------------------------------------------------------------------------------

READ_THE_DOCS = ROOT / ".readthedocs.yaml"


def read_the_docs_problems(config: dict) -> list[str]:
    """What keeps Read the Docs from building this repository's strict -c . build in every format."""
    problems = []
    if "sphinx" in config:
        problems.append("a sphinx key: Read the Docs would run its own build with conf.py's folder as source")
    if set(config.get("formats", [])) != {"pdf", "epub", "htmlzip"}:
        problems.append(f"formats {config.get('formats')}")
    jobs = config.get("build", {}).get("jobs", {})
    if not any("--require-hashes -r requirements.txt" in command for command in jobs.get("install", [])):
        problems.append("the pinned requirements are not installed with their hashes")
    for fmt in ("html", "pdf", "epub", "htmlzip"):
        commands = jobs.get("build", {}).get(fmt, [])
        strict = [c for c in commands if re.search(r"-m sphinx .*-c \. -W --keep-going -n .*\bdocs\b", c)]
        if not strict:
            problems.append(f"{fmt}: no strict sphinx build with -c . docs")
        if not any(f"$READTHEDOCS_OUTPUT/{fmt}" in c for c in commands):
            problems.append(f"{fmt}: nothing written to $READTHEDOCS_OUTPUT/{fmt}")
    return problems


def test_read_the_docs_builds_the_strict_dash_c_dot_build_in_every_format():
    config = yaml.safe_load(READ_THE_DOCS.read_text(encoding="utf-8"))
    assert config["version"] == 2 and config["build"]["tools"]["python"] == "3.11"
    assert read_the_docs_problems(config) == []


def test_the_read_the_docs_check_sees_a_lax_build_and_a_missing_format():
    text = READ_THE_DOCS.read_text(encoding="utf-8")
    lax = yaml.safe_load(text.replace("-b epub -c . -W --keep-going", "-b epub -c . --keep-going"))
    assert read_the_docs_problems(lax) == ["epub: no strict sphinx build with -c . docs"]
    config = yaml.safe_load(text)
    config["formats"].remove("htmlzip")
    del config["build"]["jobs"]["build"]["htmlzip"]
    assert read_the_docs_problems(config) == [
        "formats ['pdf', 'epub']",
        "htmlzip: no strict sphinx build with -c . docs",
        "htmlzip: nothing written to $READTHEDOCS_OUTPUT/htmlzip",
    ]
