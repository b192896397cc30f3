"""No clinical change unannounced: every number of ``docs/data/doses.yaml`` that changed since the
newest release must be named in the changelog's upcoming entry.

The changelog is the "Changelog" of ``docs/about/versions.md``; its upcoming entry is the first
``### X.Y.Z`` section whose version is not yet in ``releases.toml``. A number is named when its
path, or the path of a group that holds it, appears in backticks in that entry, e.g.
```local_anesthetics.bupivacaine.plain``` names every number of plain bupivacaine.
``tests/test_changelog.py`` runs the check against the newest release's data, read from git.
"""

import re
import subprocess
from pathlib import Path

import yaml

from . import doses
from .release import MANIFEST, ROOT, releases

CHANGELOG = ROOT / "docs" / "about" / "versions.md"
ENTRY = re.compile(r"^### (\d+\.\d+\.\d+)\b.*$", re.MULTILINE)


def numbers(data: dict) -> dict[str, tuple]:
    """Every quantity of the data file as path: (value, unit); sources are not numbers."""
    return {path: (repr(q["value"]), q["unit"]) for path, q in doses.quantities(data)}


def changed(old: dict, new: dict) -> dict[str, str]:
    """The numbers that differ between two versions of the data file: path: what happened."""
    before, after = numbers(old), numbers(new)
    found = {}
    for path in sorted(before.keys() | after.keys()):
        if path not in after:
            found[path] = "removed"
        elif path not in before:
            found[path] = "new"
        elif before[path] != after[path]:
            found[path] = f"{before[path][0]} {before[path][1]} -> {after[path][0]} {after[path][1]}"
    return found


def upcoming_entry(changelog: str, released: set[str]) -> tuple[str | None, str]:
    """The version and text of the first changelog entry not yet released ((None, "") if none)."""
    headings = list(ENTRY.finditer(changelog))
    for here, after in zip(headings, [*headings[1:], None], strict=True):
        if here.group(1) not in released:
            return here.group(1), changelog[here.start() : after.start() if after else len(changelog)]
    return None, ""


def named(path: str, entry: str) -> bool:
    """True if the entry names the path, or a group that holds it, in backticks."""
    mentioned = set(re.findall(r"`([A-Za-z0-9_.\[\]]+)`", entry))
    prefixes, prefix = [], ""
    for step in re.findall(r"\[\d+\]|[^.\[]+", path):  # "needles[2].gauge": needles, [2], gauge
        prefix += step if step.startswith("[") or not prefix else f".{step}"
        prefixes.append(prefix)
    return not mentioned.isdisjoint(prefixes)


def unannounced(old: dict, new: dict, entry: str) -> dict[str, str]:
    """The changed numbers the entry does not name."""
    return {path: change for path, change in changed(old, new).items() if not named(path, entry)}


def released_data(commit: str, root: Path = ROOT) -> dict:
    """The data file as a release's commit had it (read from git)."""
    text = subprocess.run(
        ["git", "show", f"{commit}:{doses.DATA_FILE.as_posix()}"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    return yaml.safe_load(text)


def problems(root: Path = ROOT) -> list[str]:
    """What the changelog fails to announce since the newest release, as messages with file:line."""
    known = releases(root / MANIFEST.name)
    newest = known[-1]
    current = doses.load(root / doses.DATA_FILE)
    text = (root / CHANGELOG.relative_to(ROOT)).read_text(encoding="utf-8")
    version, entry = upcoming_entry(text, {r.version for r in known})
    missing = unannounced(released_data(newest.commit, root), current, entry)
    where = f"{CHANGELOG.relative_to(ROOT)}:{text[: text.find(entry)].count(chr(10)) + 1 if entry else 1}"
    heading = f"the entry for {version}" if version else "a new entry (### X.Y.Z (unreleased))"
    return [
        f"{where}: {path} changed since {newest.version} ({change}); name it in {heading}"
        for path, change in missing.items()
    ]
