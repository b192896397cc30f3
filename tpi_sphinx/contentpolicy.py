"""The site's Content-Security-Policy: every page loads only from its own origin.

The policy is written into each page's ``<head>`` as a meta tag, before anything
that loads. Furo writes one inline script (it sets the light or dark theme before
the page paints); it is allowed by its hash, read from the theme's own template so
that a theme update changes the hash with it. Inline ``style`` attributes (table
column widths, sphinx-design) need ``'unsafe-inline'`` for styles only; scripts
never run inline otherwise. ``tests/test_site.py`` opens every page in Chromium and
fails on any violation of the policy.
"""

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

from sphinx.application import Sphinx

from .lazyfuro import furo


@cache
def theme_script_hashes() -> tuple[str, ...]:
    """CSP hash sources of the inline scripts in Furo's base template."""
    template = (Path(furo.__file__).parent / "theme" / "furo" / "base.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", template, flags=re.S)
    return tuple(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts)


def policy() -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(theme_script_hashes()),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",  # Furo's icons are data: SVGs in its stylesheet
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


def _add_meta_tag(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if app.builder.name not in {"html", "dirhtml"}:  # the website only, not the EPUB
        return
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy()}">\n'
    context["metatags"] = meta + context.get("metatags", "")


def setup(app: Sphinx) -> None:
    app.connect("html-page-context", _add_meta_tag)
