"""Raw HTML and images: nothing on a page may run code or load from another site.

:func:`dangers` (raw HTML) and :func:`url_danger` (one address) are the single
detection used both by the linter and by the build (``tpi_sphinx.rawhtml``), so
no way around the linter exists. The linter also checks alt text and the size
of image files (:data:`IMAGE_BUDGET_KB`).
"""

import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from .findings import Finding
from .markdown import Page

IMAGE_BUDGET_KB = 200  # the largest image file a page may show
CODE_TAGS = {"script"}
EMBED_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "portal"}
# Attributes whose value is an address the browser follows or loads.
URL_ATTRIBUTES = {
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "data",
    "background",
    "lowsrc",
    "dynsrc",
    "longdesc",
    "usemap",
    "codebase",
    "archive",
    "manifest",
    "ping",
    "icon",
    "cite",
}
LOADING = {
    "src",
    "srcset",
    "poster",
    "data",
    "background",
    "lowsrc",
    "dynsrc",
    "codebase",
    "archive",
    "manifest",
    "icon",
}  # and href of <link>, <image> and <use>
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.I)
_UNFINISHED_TAG = re.compile(r"<\s*(" + "|".join(sorted(CODE_TAGS | EMBED_TAGS)) + r")\b", re.I)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


def scheme(url: str) -> str:
    """ "javascript" for " Java&#x09;Script:alert(1)": the scheme as a browser reads it."""
    cleaned = re.sub(r"[\x00-\x20]", "", unescape(url)).lower()
    match = _SCHEME.match(cleaned)
    return match.group(1) if match else ""


def is_remote(url: str) -> bool:
    """True for an address on another site: http://, https://, protocol-relative //..."""
    cleaned = re.sub(r"[\x00-\x20]", "", unescape(url)).lower()
    return cleaned.startswith("//") or scheme(url) in {"http", "https", "ftp", "ws", "wss"}


def url_danger(url: str, loads: bool) -> tuple[str, str] | None:
    """(code, message) if following (or, when ``loads``, loading) the address is unsafe."""
    kind = scheme(url)
    if kind in {"javascript", "vbscript"}:
        return "TPI101", f"a {kind}: address runs code"
    if kind == "data":
        return "TPI103", "a data: address hides its content in the page"
    if loads and is_remote(url):
        return "TPI104", f"'{url}' is loaded from another site"
    return None


@dataclass
class Element:
    line: int  # 0-based, within the fragment
    tag: str
    attrs: dict[str, str]


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[Element] = []
        self.styles: list[tuple[int, str]] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.found.append(Element(self.getpos()[0] - 1, tag, {name: value or "" for name, value in attrs}))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append((self.getpos()[0] - 1, data))


def elements(fragment: str) -> list[Element]:
    """Every start tag in a fragment of HTML, with its attributes (entities decoded)."""
    parser = _Elements()
    parser.feed(fragment)
    parser.close()
    return parser.found


def dangers(fragment: str) -> list[tuple[int, str, str]]:
    """(line within the fragment, code, message) for each thing in raw HTML that runs code or loads from elsewhere."""
    parser = _Elements()
    parser.feed(fragment)
    leftover = parser.rawdata  # an unfinished tag at the end is not parsed
    parser.close()
    found = []
    for element in parser.found:
        tag, attrs = element.tag, element.attrs
        refused = tag in CODE_TAGS | EMBED_TAGS or (tag == "meta" and "http-equiv" in attrs)
        if tag in CODE_TAGS:
            found.append((element.line, "TPI101", f"<{tag}> runs code on the reader's device"))
        elif refused:
            found.append((element.line, "TPI102", f"<{tag}> embeds or sends to another document"))
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append((element.line, "TPI101", f"the {name}= attribute of <{tag}> runs code"))
            elif name in URL_ATTRIBUTES and not refused:  # a refused element is reported once
                loads = name in LOADING or (name in {"href", "xlink:href"} and tag in {"link", "image", "use"})
                urls = [part.split()[0] for part in value.split(",") if part.split()] if name == "srcset" else [value]
                found += [(element.line, *problem) for url in urls if (problem := url_danger(url, loads))]
            elif name == "style":
                found += _css_dangers(element.line, value)
    for line, css in parser.styles:
        found += _css_dangers(line, css)
    for match in _UNFINISHED_TAG.finditer(leftover):
        code = "TPI101" if match.group(1).lower() in CODE_TAGS else "TPI102"
        found.append(
            (
                fragment[: len(fragment) - len(leftover) + match.start()].count("\n"),
                code,
                f"<{match.group(1).lower()}> (unfinished tag) runs or embeds content",
            )
        )
    return found


def _css_dangers(line: int, css: str) -> list[tuple[int, str, str]]:
    found = []
    for match in _CSS_URL.finditer(css):
        if problem := url_danger(match.group(1) or match.group(2), loads=True):
            found.append((line, *problem))
    if re.search(r"expression\s*\(|javascript:", css, re.I):
        found.append((line, "TPI101", "the style runs code"))
    return found


# -- The linter's checks ---------------------------------------------------------


def _image_file(page: Page, docs: Path, uri: str) -> list[Path]:
    if is_remote(uri) or scheme(uri):
        return []
    base = docs if uri.startswith("/") else page.path.parent
    target = base / uri.lstrip("/")
    return sorted(target.parent.glob(target.name)) if "*" in target.name else [target]


def _image(page: Page, docs: Path, line: int, uri: str, alt: str | None, rel: str) -> list[Finding]:
    found = []
    if problem := url_danger(uri, loads=True):
        found.append(Finding(rel, line, *problem))
    if not (alt or "").strip():
        found.append(Finding(rel, line, "TPI105", f"the image '{uri}' has no alt text"))
    for file in _image_file(page, docs, uri):
        if file.is_file() and (size := file.stat().st_size) > IMAGE_BUDGET_KB * 1024:
            found.append(
                Finding(rel, line, "TPI106", f"'{uri}' is {size // 1024} KB, over the budget of {IMAGE_BUDGET_KB} KB")
            )
    return found


def _raw(page: Page, docs: Path, line: int, fragment: str, rel: str) -> list[Finding]:
    found = [Finding(rel, line + offset, code, message) for offset, code, message in dangers(fragment)]
    for element in elements(fragment):
        if element.tag == "img":
            found += [
                f
                for f in _image(
                    page, docs, line + element.line, element.attrs.get("src", ""), element.attrs.get("alt"), rel
                )
                if f.code in {"TPI105", "TPI106"}
            ]
    return found


def check(page: Page, docs: Path, rel: str) -> list[Finding]:
    """Unsafe raw HTML, unsafe or remote addresses, images without alt text or over the budget."""
    found = []
    for line, fragment in page.html:
        found += _raw(page, docs, line, fragment, rel)
    for block in page.blocks:
        for span in block.spans:
            if span.kind == "html":
                found += _raw(page, docs, span.line, span.text, rel)
            elif span.kind == "image":
                found += _image(page, docs, span.line, span.text, span.name, rel)
            elif span.kind == "link" and (problem := url_danger(span.text, loads=False)):
                found.append(Finding(rel, span.line, *problem))
    for directive in page.directives:
        if directive.name in {"image", "figure"}:
            found += _image(page, docs, directive.line, directive.argument, directive.options.get("alt"), rel)
            if problem := url_danger(directive.options.get("target", ""), loads=False):
                found.append(Finding(rel, directive.line, *problem))
        elif (directive.name == "raw" and "html" in directive.argument.split()) or (
            directive.name == "eval-rst" and "raw::" in directive.body
        ):
            found += _raw(page, docs, directive.body_line, directive.body, rel)
    return found
