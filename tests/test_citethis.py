"""How to cite what you read: "Cite this page" on every page and the version's citation on the
how-to-cite page, with the version, its date and the address (tpi_sphinx/citethis.py)."""

from types import SimpleNamespace

import conf
from conftest import parsed
from tpi_sphinx import citethis


def config(baseurl="", release_date=None, release="0.2.0"):
    return SimpleNamespace(
        project=conf.project,
        author=conf.author,
        release=release,
        html_baseurl=baseurl,
        html_context={"release_date": release_date},
    )


def test_a_released_page_is_cited_with_its_version_date_and_address():
    cite = citethis.citation(config("https://example.org/en/0.2.0/", "2026-11-26"), "Maximum doses", "procedure/x.html")
    assert cite["apa"] == (
        f"{conf.author}. (2026). Maximum doses. In *{conf.project}* (Version 0.2.0). "
        "https://example.org/en/0.2.0/procedure/x.html"
    )
    assert "<em>Orthopedic Trigger Point Injection Reference</em>" in cite["apa_html"]
    bibtex = cite["bibtex"]
    assert bibtex.startswith("@misc{tpi-reference-0-2-0-procedure-x,")
    for field in (
        "title = {Maximum doses}",
        "version = {0.2.0}",
        "year = {2026}",
        "note = {Version 0.2.0, released 2026-11-26}",
        "url = {https://example.org/en/0.2.0/procedure/x.html}",
    ):
        assert field in bibtex, field


def test_without_an_address_the_reader_is_asked_for_one_and_a_dev_build_says_unreleased():
    cite = citethis.citation(config(release="0.2.0.dev4+gabc1234"))
    assert cite["apa"].endswith("(Version 0.2.0.dev4+gabc1234). [the address where you read it]")
    assert "url =" not in cite["bibtex"] and "unreleased development version" in cite["bibtex"]
    assert cite["bibtex"].startswith("@book{")


def test_every_page_ends_with_its_citation(site):
    pages = [p for p in site.outdir.rglob("*.html") if p.stem not in citethis.NO_CITATION and "_static" not in p.parts]
    assert len(pages) > 40
    missing = []
    for path in pages:
        soup = parsed(path)
        box = soup.select_one("article details.cite-page")
        title = soup.select_one("article h1")
        if (
            not box
            or not title
            or title.get_text().rstrip("¶") not in box.get_text()
            or conf.release not in box.get_text()
        ):
            missing.append(str(path.relative_to(site.outdir)))
    assert missing == []


def test_the_how_to_cite_page_gives_the_version_in_apa_and_bibtex(site):
    soup = parsed(site.outdir / "about" / "how-to-cite.html")
    box = soup.select_one(".cite-this")
    assert f"(Version {conf.release})" in box.get_text()
    assert f"version = {{{conf.release}}}" in box.select_one("pre").get_text()
