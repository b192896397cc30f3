#!/usr/bin/env python3
"""Start a new page from the template (`make new-page SECTION=safety NAME=topic-name`).

Writes docs/SECTION/NAME.md from docs/_templates/new-page.md (front matter with
today's date and status outline, label, key points, evidence-gaps box, related
pages) and adds it to the section's table of contents, so that the new page
passes `make check` at once. Then write the page and set status: draft.
"""

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("clinical", "patient", "reference", "about")


def new_page(
    docs: Path, section: str, name: str, title: str | None = None, kind: str = "clinical", today: dt.date | None = None
) -> Path:
    """Create docs/section/name.md and list it in docs/section/index.md; return its path."""
    index = docs / section / "index.md"
    if not index.exists():
        sections = sorted(p.parent.name for p in docs.glob("*/index.md"))
        raise SystemExit(f"new-page: no section '{section}'; choose one of: {', '.join(sections)}")
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        raise SystemExit(f"new-page: NAME '{name}' must be lower case words joined by hyphens, e.g. nerve-blocks")
    if kind not in KINDS:
        raise SystemExit(f"new-page: KIND '{kind}' must be one of {', '.join(KINDS)}")
    page = docs / section / f"{name}.md"
    if page.exists():
        raise SystemExit(f"new-page: {page.relative_to(docs.parent)} exists already")
    template = (docs / "_templates" / "new-page.md").read_text(encoding="utf-8")
    page.write_text(
        template.format(
            date=(today or dt.date.today()).isoformat(),
            kind=kind,
            label=name,
            title=title or name.replace("-", " ").capitalize(),
            section=section,
        ),
        encoding="utf-8",
    )
    text = index.read_text(encoding="utf-8")
    toctree = re.search(r"^```\{toctree\}\n(?:.*\n)*?```$", text, flags=re.M)
    if not toctree:
        raise SystemExit(f"new-page: {index.relative_to(docs.parent)} has no toctree to add the page to")
    block = toctree.group(0)
    index.write_text(text.replace(block, block[:-3] + f"{name}\n```", 1), encoding="utf-8")
    return page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("section", help="the folder under docs/, e.g. safety")
    parser.add_argument("name", help="the file name without .md, lower case with hyphens, e.g. nerve-blocks")
    parser.add_argument("--title", help="the page title (default: from the name)")
    parser.add_argument("--kind", default="clinical", choices=KINDS)
    parser.add_argument("--docs", type=Path, default=ROOT / "docs", help=argparse.SUPPRESS)
    args = parser.parse_args()
    page = new_page(args.docs, args.section, args.name, args.title, args.kind)
    print(
        f"Created {page.relative_to(args.docs.parent)} and listed it in docs/{args.section}/index.md.\n"
        "Write it (CONTRIBUTING.md), delete the outline sentence, set status: draft and reviewed: to the day you\n"
        "checked it against its sources, add a changelog line, and run `make check`."
    )


if __name__ == "__main__":
    sys.exit(main())
