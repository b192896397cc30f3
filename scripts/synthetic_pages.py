"""Synthetic pages for the growth benchmark (`scripts/bench.py --scale`).

Adds COUNT realistic pages to a copy of the sources: a section ``docs/synthetic/``
listed in the root table of contents, with the pages in groups of ten under group
pages (so the navigation has three levels, as the real sections do). Each page has
a label, headings, a table, cross-references to its neighbours and its group, two
glossary terms and a citation, and builds strictly. Never run on the real docs/.
"""

from pathlib import Path

GROUP = 10  # pages per group
SECTION = "synthetic"

PAGE = """---
reviewed: 2026-01-01
status: draft
kind: reference
---

({label})=
# Synthetic topic {n}

This page stands for a topic of the reference, written to measure how the build grows with the number of pages.
A {{term}}`trigger point injection` into a {{term}}`taut band` is treated here as elsewhere
{{cite:p}}`kishner2022medscape`.

## Assessment

The examination of topic {n} follows {{ref}}`{previous}` and leads to {{ref}}`{following}`; the group is listed on
{{doc}}`index`.

```{{list-table}} Findings for topic {n}
:header-rows: 1

* - Finding
  - Meaning
* - Local twitch response
  - Supports the diagnosis
* - Referred pain
  - Maps the trigger point
```

## Management

Management of topic {n} is described in steps.

### Follow-up

Review after two weeks.
"""

# A section page or a group page: a title and the table of contents of the pages under it.
CONTENTS_PAGE = """---
reviewed: 2026-01-01
status: draft
kind: section
---

({label})=
# {title}

```{{toctree}}
:maxdepth: 1

{entries}
```
"""


def add_synthetic_pages(docs: Path, count: int) -> list[Path]:
    """Write ``count`` pages under docs/synthetic/ and list the section in docs/index.md; return the pages."""
    root = docs / SECTION
    root.mkdir()
    labels = [f"synthetic-{n}" for n in range(1, count + 1)]
    pages, groups = [], []
    for start in range(0, count, GROUP):
        g = start // GROUP + 1
        folder = root / f"group-{g}"
        folder.mkdir()
        names = []
        for n in range(start + 1, min(start + GROUP, count) + 1):
            page = folder / f"topic-{n}.md"
            page.write_text(
                PAGE.format(n=n, label=labels[n - 1], previous=labels[n - 2], following=labels[n % count]),
                encoding="utf-8",
            )
            names.append(page.stem)
            pages.append(page)
        (folder / "index.md").write_text(
            CONTENTS_PAGE.format(label=f"synthetic-group-{g}", title=f"Synthetic group {g}", entries="\n".join(names)),
            encoding="utf-8",
        )
        groups.append(f"group-{g}/index")
    section = CONTENTS_PAGE.format(label="synthetic", title="Synthetic section", entries="\n".join(groups))
    (root / "index.md").write_text(section, encoding="utf-8")
    index = docs / "index.md"
    text = index.read_text(encoding="utf-8")
    anchor = "about/index\n```"
    if anchor not in text:
        raise SystemExit("synthetic pages: docs/index.md has no root toctree ending in about/index")
    index.write_text(text.replace(anchor, f"about/index\n{SECTION}/index\n```", 1), encoding="utf-8")
    return pages
