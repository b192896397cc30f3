"""The checkers' verdicts kept between runs (tests/verdicts.py): used only for the same check of the same bytes,
never kept for a failure, only the verdicts used last kept; a browser check's verdict on a page used only while
every file the page loaded is the same."""

import os
from pathlib import Path

from verdicts import PageVerdicts, check_unless_passed, keep_verdicts, kept_verdict, release_free, verdict_key


def fake_checker(tmp_path: Path, faults: list[str], check=None):
    """A checker that records what it was given (in tmp_path/checked) and finds ``faults`` in each."""

    def run(paths: list[Path]) -> list[str]:
        with (tmp_path / "checked").open("a") as record:
            record.writelines(f"{path.name}\n" for path in paths)
        return [f"{path.name}: {fault}" for path in paths for fault in faults]

    def check_pages(pages: list[Path]) -> list[str]:
        items = {page: page.read_bytes() for page in pages}
        return check_unless_passed(check or run, b"checker 1", items, run, tmp_path / "verdicts")

    return check_pages


def runs(tmp_path: Path) -> list[str]:
    found = tmp_path / "checked"
    return found.read_text().splitlines() if found.exists() else []


def test_a_passing_verdict_is_reused_only_for_the_same_bytes_and_the_same_check(tmp_path):
    pages = [tmp_path / "a.html", tmp_path / "b.html"]
    for page in pages:
        page.write_text(f"<p>{page.name}</p>")
    check = fake_checker(tmp_path, [])
    assert check(pages) == [] and runs(tmp_path) == ["a.html", "b.html"]
    assert check(pages) == [] and runs(tmp_path) == ["a.html", "b.html"]  # neither checked again
    pages[1].write_text("<p>b, changed</p>")
    assert check(pages) == [] and runs(tmp_path) == ["a.html", "b.html", "b.html"]  # only the changed page

    def another_check(paths):  # the code of the check is part of the key: a changed check checks again
        return []

    assert fake_checker(tmp_path, [], another_check)(pages) == []
    assert runs(tmp_path)[3:] == ["a.html", "b.html"]
    key = verdict_key(another_check, b"checker 1", pages[0].read_bytes())
    assert verdict_key(another_check, b"checker 2", pages[0].read_bytes()) != key  # nor another toolchain


def test_a_failing_verdict_is_never_kept(tmp_path):
    page = tmp_path / "a.html"
    page.write_text("<p>a</p>")
    check = fake_checker(tmp_path, ["an error"])
    for _ in range(2):
        assert check([page]) == ["a.html: an error"]
    assert runs(tmp_path) == ["a.html", "a.html"] and not (tmp_path / "verdicts").exists()


def test_only_the_verdicts_used_last_are_kept(tmp_path):
    keep_verdicts(dict.fromkeys(["a", "b", "c"], "passed"), tmp_path, limit=3)
    for key, used in (("a", 3), ("b", 1), ("c", 2)):
        os.utime(tmp_path / key, (used, used))  # b used longest ago, then c
    keep_verdicts({"d": "passed"}, tmp_path, limit=2)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a", "d"]
    assert kept_verdict("a", tmp_path) == "passed" and kept_verdict("c", tmp_path) is None


SERVED = "http://127.0.0.1:8000"


def a_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "_static").mkdir(parents=True)
    (site / "index.html").write_text('<link rel="stylesheet" href="_static/furo.css"><p>Home</p>')
    (site / "_static" / "furo.css").write_text("body { color: black }")
    (site / "_static" / "unused.js").write_text("// loaded by no page")
    return site


def test_a_pages_verdict_is_used_only_while_every_file_it_loaded_is_the_same(tmp_path):
    site = a_site(tmp_path)
    verdicts = PageVerdicts("tour", b"axe 1", site, SERVED, tmp_path / "verdicts")
    assert verdicts.kept("index.html") is None
    loaded = [f"{SERVED}/index.html", f"{SERVED}/_static/furo.css", "https://elsewhere.example/x.js"]
    verdicts.keep({"index.html": (loaded, {"light": "rgb(255, 255, 255)"})})
    assert verdicts.kept("index.html") == {"light": "rgb(255, 255, 255)"}
    assert verdicts.kept("index.html?q=x") is None  # another page (a query is part of it)
    (site / "_static" / "unused.js").write_text("// changed")
    assert verdicts.kept("index.html") is not None  # a file the page did not load
    (site / "_static" / "furo.css").write_text("body { color: gray }")
    assert verdicts.kept("index.html") is None  # a file it loaded
    (site / "_static" / "furo.css").write_text("body { color: black }")
    assert verdicts.kept("index.html") is not None  # the same bytes again
    (site / "_static" / "furo.css").unlink()
    assert verdicts.kept("index.html") is None  # a file gone
    (site / "_static" / "furo.css").write_text("body { color: black }")
    for other in (
        PageVerdicts("phone", b"axe 1", site, SERVED, tmp_path / "verdicts"),
        PageVerdicts("tour", b"axe 2", site, SERVED, tmp_path / "verdicts"),
    ):
        assert other.kept("index.html") is None  # another check, another toolchain


def test_with_no_folder_nothing_is_kept_or_used(tmp_path):
    """TPI_VERDICTS= (empty): every check runs."""
    site = a_site(tmp_path)
    verdicts = PageVerdicts("tour", b"axe 1", site, SERVED, None)
    verdicts.keep({"index.html": ([f"{SERVED}/index.html"], "passed")})
    assert verdicts.kept("index.html") is None
    page = site / "index.html"
    calls = []

    def run(todo: list[Path]) -> list[str]:
        calls.append(todo)
        return []

    for _ in range(2):
        assert check_unless_passed(run, b"checker", {page: page.read_bytes()}, run, None) == []
    assert calls == [[page], [page]]


def test_a_check_that_does_not_read_the_release_keeps_its_verdict_across_releases(tmp_path):
    site = a_site(tmp_path)
    page = site / "index.html"
    page.write_text(
        '<title>TPI Reference 0.4.0.dev8+g412be5c</title><script src="options.js?v=d3b4e563"></script>'
        "<pre>@misc{tpi-reference-0-4-0-dev8-g412be5c-index,</pre>"
    )
    loaded = [f"{SERVED}/index.html"]
    colours = PageVerdicts("tour", b"axe 1", site, SERVED, tmp_path / "verdicts", release="0.4.0.dev8+g412be5c")
    widths = PageVerdicts("phone", b"axe 1", site, SERVED, tmp_path / "verdicts")
    for verdicts in (colours, widths):
        verdicts.keep({"index.html": (loaded, "passed")})
    page.write_text(  # the next commit
        '<title>TPI Reference 0.4.0.dev9+gb70411f</title><script src="options.js?v=d3b818a7"></script>'
        "<pre>@misc{tpi-reference-0-4-0-dev9-gb70411f-index,</pre>"
    )
    assert (
        PageVerdicts("tour", b"axe 1", site, SERVED, tmp_path / "verdicts", release="0.4.0.dev9+gb70411f").kept(
            "index.html"
        )
        == "passed"
    )
    assert widths.kept("index.html") is None
    page.write_text("<title>TPI Reference 0.4.0.dev9+gb70411f</title>")  # anything else changed
    assert (
        PageVerdicts("tour", b"axe 1", site, SERVED, tmp_path / "verdicts", release="0.4.0.dev9+gb70411f").kept(
            "index.html"
        )
        is None
    )


def test_a_release_of_another_length_is_checked_again(tmp_path):
    """A longer release may wrap a line differently."""
    site = a_site(tmp_path)
    (site / "index.html").write_text("<title>TPI Reference 0.4.0.dev9+gb70411f</title>")
    before = PageVerdicts("tour", b"axe 1", site, SERVED, tmp_path / "verdicts", release="0.4.0.dev9+gb70411f")
    before.keep({"index.html": ([f"{SERVED}/index.html"], "passed")})
    (site / "index.html").write_text("<title>TPI Reference 0.4.0.dev10+g0123456</title>")
    after = PageVerdicts("tour", b"axe 1", site, SERVED, tmp_path / "verdicts", release="0.4.0.dev10+g0123456")
    assert after.kept("index.html") is None


def test_a_folder_loaded_is_the_index_page_the_server_sends(tmp_path):
    site = a_site(tmp_path)
    verdicts = PageVerdicts("tour", b"axe 1", site, SERVED, tmp_path / "verdicts")
    assert verdicts.file(f"{SERVED}/") == "index.html"
    verdicts.keep({"start": ([f"{SERVED}/"], "passed")})
    (site / "index.html").write_text("<p>Home, changed</p>")
    assert verdicts.kept("start") is None


def test_only_a_pass_counts_as_a_pass(tmp_path):
    """A test may keep what a checker reported on a broken copy; it is never taken for a passing verdict."""
    page = tmp_path / "a.html"
    page.write_text("<p>a</p>")

    def run(todo: list[Path]) -> list[str]:
        return []

    keep_verdicts({verdict_key(run, b"checker 1", page.read_bytes()): ["ERROR RSC-007 a.html"]}, tmp_path / "verdicts")
    assert fake_checker(tmp_path, ["an error"], run)([page]) == ["a.html: an error"]


def test_the_standards_checkers_see_a_page_without_its_release_but_with_its_length():
    """The Nu Html Checker and EPUBCheck check markup and structure, which a new commit's release does not change."""
    page = b'<title>TPI Reference {}</title><script src="options.js?v={}"></script>'
    before = release_free(
        page.replace(b"{}", b"0.4.0.dev8+g412be5c", 1).replace(b"{}", b"d3b4e563"), "0.4.0.dev8+g412be5c"
    )
    after = release_free(
        page.replace(b"{}", b"0.4.0.dev9+gb70411f", 1).replace(b"{}", b"d3b818a7"), "0.4.0.dev9+gb70411f"
    )
    assert before == after
    longer = release_free(
        page.replace(b"{}", b"0.4.0.dev10+g0123456", 1).replace(b"{}", b"d3b818a7"), "0.4.0.dev10+g0123456"
    )
    assert longer != after
    changed = release_free(
        page.replace(b"{}", b"0.4.0.dev9+gb70411f", 1).replace(b"{}", b"d3b818a7") + b"<p>", "0.4.0.dev9+gb70411f"
    )
    assert changed != after
    forged = page.replace(b"{}", b"\0release\0", 1).replace(b"{}", b"d3b818a7")  # the placeholder, written in
    assert release_free(forged, "0.4.0.dev9+gb70411f") != after
