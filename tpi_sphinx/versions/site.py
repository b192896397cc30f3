"""Put the built versions together: switcher and banner in every page, the root redirect, versions.json.

This runs after every version is built, when the pages of each are known, so that a link to another
version goes to the same page there where it exists, else to that version's home page; and so that a
release built before this feature existed (0.1.0) gets the switcher too. The fragments come from one
Jinja template, ``templates/versions.html``, and go into furo's page at three fixed places: a
stylesheet before ``</head>``, the switcher at the top of the sidebar (under the search box), the
banner at the top of the article. Links are relative: the site works from any static server, from a
sub-folder, and offline. No script and no inline style, so each page's Content-Security-Policy holds.

``404.html`` is left as it is: it is served at any missing address, where relative links cannot work.
"""

import json
import posixpath
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .manifest import DEV, Version

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = Path(__file__).parent / "versions.css"
STYLESHEET_PATH = "_static/tpi-versions.css"  # inside each version
UNTOUCHED = {"404.html"}
DOWNLOAD_LABELS = {"pdf": "PDF", "epub": "EPUB"}

# Where each fragment goes in a furo page: (pattern, fragment before or after the match).
PLACES = {
    "stylesheet": (re.compile(r"</head>"), "before"),
    "switcher": (re.compile(r'<div class="sidebar-scroll">'), "before"),
    "banner": (re.compile(r'<article role="main"[^>]*>'), "after"),
}


class LayoutError(ValueError):
    """A page lacks a place where a fragment goes (not a furo page, or furo changed)."""


@dataclass(frozen=True)
class Link:
    version: Version
    href: str
    same_page: bool  # False: the page is not in that version, and the link goes to its home page
    current: bool


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )


def pages(folder: Path) -> set[str]:
    """The HTML pages of a built version, as paths relative to it (static files and sources left out)."""
    return {
        page.relative_to(folder).as_posix()
        for page in folder.rglob("*.html")
        if not any(part.startswith("_") for part in page.relative_to(folder).parts)
    }


def ordered(versions: list[Version]) -> list[Version]:
    """The order readers see: the latest release, earlier releases newest first, then dev."""
    releases = [v for v in versions if v.label != DEV]
    return list(reversed(releases)) + [v for v in versions if v.label == DEV]


def latest(versions: list[Version]) -> Version:
    """The newest release; dev when nothing is released yet."""
    return next((v for v in versions if v.label == "latest"), next(v for v in versions if v.label == DEV))


def href(version: Version, page: str, target: str) -> str:
    """The link from ``page`` of ``version`` to ``target`` (a path from the site's root)."""
    return posixpath.relpath(target, posixpath.dirname(f"{version.name}/{page}"))


def links(version: Version, page: str, versions: list[Version], found: dict[str, set[str]]) -> list[Link]:
    """For each version: the same page there where it exists, else that version's home page."""
    return [
        Link(
            other,
            href(version, page, f"{other.name}/{page if page in found[other.name] else 'index.html'}"),
            page in found[other.name],
            other == version,
        )
        for other in versions
    ]


def insert(html: str, fragments: dict[str, str], where: str) -> str:
    """``html`` with each fragment at its place; raises LayoutError if a place is missing or repeated."""
    for name, fragment in fragments.items():
        pattern, side = PLACES[name]
        matches = list(pattern.finditer(html))
        if len(matches) != 1:
            raise LayoutError(f"{where}: {len(matches)} matches of {pattern.pattern!r} for the version {name}")
        at = matches[0].start() if side == "before" else matches[0].end()
        html = html[:at] + str(fragment) + html[at:]  # str: Jinja's Markup would escape the page joined to it
    return html


def decorate(
    folder: Path, version: Version, versions: list[Version], found: dict[str, set[str]], downloads: dict[str, str]
) -> None:
    """Put the switcher, and for old and dev versions the banner, into every page of ``version``."""
    template = _environment().get_template("versions.html").module
    newest = latest(versions)
    for page in sorted(found[version.name] - UNTOUCHED):
        here = [
            {"label": DOWNLOAD_LABELS[fmt], "href": href(version, page, f"{version.name}/{path}")}
            for fmt, path in downloads.items()
        ]
        fragments = {
            "stylesheet": template.stylesheet(href(version, page, f"{version.name}/{STYLESHEET_PATH}")),
            "switcher": template.switcher(links(version, page, versions, found), here),
        }
        if version != newest:
            fragments["banner"] = template.banner(version, links(version, page, [newest], found)[0])
        path = folder / page
        path.write_text(insert(path.read_text(encoding="utf-8"), fragments, str(path)), encoding="utf-8")
    shutil.copy2(STYLESHEET, folder / STYLESHEET_PATH)


def listing(versions: list[Version], downloads: dict[str, dict[str, str]]) -> list[dict]:
    """The content of ``versions.json``."""
    return [
        {
            "name": v.name,
            "label": v.label,
            "date": str(v.date),
            "path": f"{v.name}/",
            "commit": v.commit,
            "downloads": {fmt: f"{v.name}/{path}" for fmt, path in downloads.get(v.name, {}).items()},
        }
        for v in versions
    ]


def finish(out: Path, versions: list[Version], downloads: dict[str, dict[str, str]]) -> None:
    """Turn the built versions in ``out/<name>/`` into one site (see the module's docstring)."""
    versions = ordered(versions)
    found = {v.name: pages(out / v.name) for v in versions}
    for version in versions:
        decorate(out / version.name, version, versions, found, downloads.get(version.name, {}))
    (out / "versions.json").write_text(json.dumps(listing(versions, downloads), indent=2) + "\n", encoding="utf-8")
    index = _environment().get_template("index.html").render(latest=latest(versions), versions=versions)
    (out / "index.html").write_text(index, encoding="utf-8")
