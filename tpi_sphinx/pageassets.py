"""Each page loads only the style sheets and scripts it uses.

Sphinx and sphinx-design add some assets to every page: the syntax colours (``pygments.css``, 20 KB)
that only a page with highlighted code needs, sphinx-design's style sheet (``sphinx-design.min.css``,
55 KB, every rule of it under an ``sd-`` class) that only a page with its cards or dropdowns needs, and its
tab script (``design-tabs.js``) that only a page with tabs needs. A page without them leaves them out,
which keeps a first visit light (the page-weight budget of `make bench`). Every other asset is loaded by
every page, as before.
"""

from sphinx.application import Sphinx

# asset (its file name in _static) -> what a page's HTML body contains when it uses it
USED_WHEN = {
    "pygments.css": 'class="highlight',
    "design-tabs.js": "sd-tab-set",
    "sphinx-design.min.css": "sd-",
}


def unused(filename: str, body: str) -> bool:
    """True when ``filename`` is an asset of USED_WHEN that a page with ``body`` does not use."""
    marker = USED_WHEN.get(str(filename).rsplit("/", 1)[-1].split("?")[0])
    return marker is not None and marker not in body


def _leave_out_unused(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    body = context.get("body", "")
    for key in ("css_files", "script_files"):
        if key in context:
            # In place: the list is the builder's own, which Sphinx restores for the next page and which
            # a later app.add_js_file() call for this page still reaches.
            context[key][:] = [asset for asset in context[key] if not unused(getattr(asset, "filename", asset), body)]


def setup(app: Sphinx) -> None:
    # Last, so that it also sees what other handlers add to the page (accessibility.py's search fix, at 600).
    app.connect("html-page-context", _leave_out_unused, priority=900)
