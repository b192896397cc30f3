"""The answers of the clinical cases (``docs/cases/``) are sphinx-design dropdowns: a ``<details>`` closed until
the reader opens it, on the site and in the EPUB. sphinx-design draws the dropdown's open/closed chevron as an
inline ``<svg>`` without the SVG namespace, which HTML allows but an EPUB does not: XHTML wants the namespace
(EPUBCheck RSC-005), and a page with inline SVG must be declared as such in the package file (OPF-014), which
Sphinx's EPUB builder does not do. The chevron is decoration (the summary's text names the answer, and the
reading system opens it as any ``<details>``), so the EPUB leaves it out; the site keeps it.
"""

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

MARKER = "sd-summary-state-marker"  # sphinx-design's class for the chevron of a dropdown


class DropdownIconInEpub(SphinxPostTransform):
    """Take the chevron out of sphinx-design's dropdowns in the EPUB (after its ``DropdownHtmlTransform``)."""

    default_priority = 250  # sphinx-design builds the dropdown's HTML structure at 199
    formats = ("html",)

    def run(self, **kwargs) -> None:
        if not self.app.builder.name.startswith("epub"):
            return
        for marker in list(self.document.findall(nodes.inline)):
            if MARKER in marker["classes"]:
                marker.parent.remove(marker)


def setup(app: Sphinx) -> None:
    app.add_post_transform(DropdownIconInEpub)
