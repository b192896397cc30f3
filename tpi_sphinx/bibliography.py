"""Bibliography hygiene: every entry identifiable, addressed at its publisher, and unique.

The rules (written once in CONTRIBUTING.md, checked on every build and by the tests):

- an article, book or chapter carries a DOI or PMID (ISBN for a book);
- a web document (``@misc``/``@online``) carries a ``url``, its own ``year`` (its revision
  or publication year; ``n.d.`` only for a document that shows no date, which the note
  then says is "undated") and the ``urldate`` on which it was read;
- no ``url`` points at a document-copy or mirror site (:data:`COPY_HOSTS`): cite
  the DOI, PubMed or the publisher instead and keep the copy in ``note``;
- no two entries share a DOI, a PMID or a URL;
- every entry records where it was seen: ``note = {verified: ...}``.

:func:`problems` returns ``(key, message)`` pairs; the build reports each as
``docs/references.bib:LINE`` so a writer can jump to the entry.
"""

import hashlib
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

from pybtex.database import BibliographyData
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

# Hosts that serve copies of documents published elsewhere. A url on one of them
# is replaced by the DOI, PubMed or the publisher's page; the copy may stay in note.
COPY_HOSTS = (
    "scribd.com",
    "fdocuments",
    "pdfslide",
    "slideshare.net",
    "studylib",
    "docslib.org",
    "doczz",
    "vdocuments",
    "medilib",
    "zendy.io",
    "imedi.co.uk",
    "medicoreinc.com",
    "cloudbiteca.com",
    "referencecitationanalysis.com",
    "iiab.me",
    "basespace.illumina.com",
    "weglot.com",
    "pubmedhh.nlm.nih.gov",
    "myhealthbox.eu",
    "zoppoz.workers.dev",
    "pillsync.com",
)
WEB_TYPES = {"misc", "online"}
IDENTIFIED_TYPES = {"article", "book", "incollection", "inbook", "inproceedings"}


def copy_host(url: str) -> str | None:
    """The copy or mirror host a URL points at, or None for a publisher, PubMed or DOI address."""
    host = (urlparse(url).hostname or "").lower()
    if re.fullmatch(r"[\d.]+", host):
        return host  # a raw IP address is never a publisher
    if "staging" in re.split(r"[.-]", host) or "cgi-bin" in url:  # staging.x, x.staging.y, test-x-staging.y
        return host
    return host if any(copy in host for copy in COPY_HOSTS) else None


def _normal(field: str, value: str) -> str:
    value = value.strip().lower()
    if field == "url":
        return value.rstrip("/").removeprefix("https://").removeprefix("http://").removeprefix("www.")
    return value.removeprefix("https://doi.org/")


def problems(bib: BibliographyData) -> list[tuple[str, str]]:
    """What breaks the rules above, as (key, message) pairs."""
    found = []
    seen: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, entry in bib.entries.items():
        kind = entry.type.lower()
        fields = {name.lower(): value for name, value in entry.fields.items()}
        if (
            kind in IDENTIFIED_TYPES
            and not fields.keys() & {"doi", "pmid"}
            and not (kind == "book" and "isbn" in fields)
        ):
            found.append((key, f"a {kind} needs a doi or pmid (isbn for a book)"))
        if kind in WEB_TYPES:
            for needed in ("url", "year", "urldate"):
                if needed not in fields:
                    found.append((key, f"a web document needs a {needed}"))
            if fields.get("year") == "n.d." and "undated" not in fields.get("note", "").lower():
                found.append((key, "year n.d. is only for a document that shows no date: say 'undated' in the note"))
        if "url" in fields and (host := copy_host(fields["url"])):
            found.append(
                (
                    key,
                    f"url is a copy or mirror ({host}): use the DOI, PubMed or the publisher, "
                    "and keep the copy in note",
                )
            )
        if not fields.get("note", "").startswith("verified:"):
            found.append((key, "note must say where the source was seen: note = {verified: <url> (...)}"))
        for name in ("doi", "pmid", "url"):
            if name in fields:
                seen[(name, _normal(name, fields[name]))].append(key)
    for (name, value), keys in seen.items():
        for key in keys[1:]:
            found.append((key, f"same {name} as {keys[0]} ({value}): merge the two entries"))
    return found


def line_of(bibfile: Path, key: str) -> int:
    """The line where an entry starts (1 if it cannot be found)."""
    pattern = re.compile(r"@\w+\s*\{\s*" + re.escape(key) + r"\s*,")
    for number, line in enumerate(bibfile.read_text(encoding="utf-8").splitlines(), start=1):
        if pattern.search(line):
            return number
    return 1


_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def summary(app: Sphinx, path: Path) -> tuple[frozenset[str], list[tuple[str, str]]]:
    """The entry keys and the :func:`problems` of a .bib file. Parsing it is most of what the checks cost
    a rebuild, so both are kept in the environment for each content of the file and of this module."""
    from .incremental import enabled
    from .sources import bibliography

    kept = getattr(app.env, "tpi_bib_summaries", {}) if enabled() else {}
    version = (hashlib.sha256(path.read_bytes()).hexdigest(), _CODE)
    if kept.get(str(path), (None,))[0] != version:
        data = bibliography(path)
        kept[str(path)] = (version, frozenset(data.entries), problems(data))
        app.env.tpi_bib_summaries = kept
    return kept[str(path)][1:]


def check(app: Sphinx) -> None:
    for name in app.config.bibtex_bibfiles:
        path = Path(app.confdir) / name
        for key, message in summary(app, path)[1]:
            logger.warning(
                f"{key}: {message}", location=f"{name}:{line_of(path, key)}", type="tpi", subtype="bibliography"
            )


def setup(app: Sphinx) -> None:
    app.connect("builder-inited", check)
