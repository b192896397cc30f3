"""Clinically significant changes are marked where they happen (versionadded, versionchanged) and all
listed on the versions page, each linking to its page (tpi_sphinx/pagechanges.py)."""

from bs4 import BeautifulSoup

from conftest import parsed


def soup(site, page: str) -> BeautifulSoup:
    return parsed(site.outdir / f"{page}.html")


def notes_on_pages(site) -> dict[str, list[str]]:
    found = {}
    for path in site.outdir.rglob("*.html"):
        page = path.relative_to(site.outdir).with_suffix("").as_posix()
        notes = [
            n.get_text(" ", strip=True)
            for n in soup(site, page).select("article div.versionchanged, article div.versionadded")
        ]
        if notes:
            found[page] = notes
    return found


def test_the_versions_page_lists_every_note_with_a_link_to_its_page(site):
    on_pages = notes_on_pages(site)
    assert {"procedure/maximum-doses", "safety/last", "indications/contraindications"} <= set(on_pages)
    listing = soup(site, "about/versions").select_one("#change-notes-on-the-pages")
    items = listing.select("li")
    assert len(items) == sum(len(notes) for notes in on_pages.values())
    linked = {}
    for item in items:
        href = item.select_one("a.reference.internal")["href"]
        target = (site.outdir / "about" / href.split("#")[0]).resolve()
        assert target.is_file(), href
        linked.setdefault(target.relative_to(site.outdir.resolve()).with_suffix("").as_posix(), []).append(item)
    assert set(linked) == set(on_pages)
    # grouped by version, the newest first
    assert [rubric.get_text() for rubric in listing.select("p.rubric")] == ["Version 0.3.0", "Version 0.2.0"]


def add_a_change_note(project) -> None:
    """A change note on a page (test_reproducible's shared edited copy)."""
    page = project / "docs" / "rehabilitation" / "aftercare.md"
    page.write_text(
        page.read_text(encoding="utf-8") + "\n:::{versionadded} 0.2.0\nA note added for the test.\n:::\n",
        encoding="utf-8",
    )


def test_a_new_note_on_any_page_reaches_the_list_on_an_incremental_build(edited):
    """test_reproducible's shared copy: the note added to a page after the first build, rebuilt incrementally."""
    listing = parsed(edited.rebuilt / "html" / "about" / "versions.html")
    assert "A note added for the test." in listing.select_one("#change-notes-on-the-pages").get_text()
