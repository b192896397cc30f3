"""The version of the reference: from the release manifest ``releases.toml`` and git.

A build whose content is a release's (the release's commit, or a later commit that changed nothing
but ``releases.toml``, such as the one that recorded the release) is that release: ``0.2.0``,
"Released 2026-11-26". Any other build is a development version of the next minor release, counted
in commits since the newest release and named by its commit, as PEP 440 writes it:
``0.2.0.dev4+gabc1234``, and says it is unreleased. (Uncommitted edits are not marked: a version
that changed with every edit would make every preview a full rebuild.)

Nothing here needs a tag: the manifest is tracked, so a plain clone of main carries every version.
Where there is no git (a copy of a commit, as ``make versions`` builds it), the commit comes from
``TPI_COMMIT`` and, if set, the commit count from ``TPI_DISTANCE``. ``TPI_RELEASE`` (and
``TPI_RELEASE_DATE``) name the version outright: the test suite gives its copies of the sources the
version of the tree they were copied from.
"""

import datetime
import os
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "releases.toml"
VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


@dataclass(frozen=True)
class Release:
    version: str
    date: datetime.date
    commit: str


@dataclass(frozen=True)
class Build:
    """What a build is: a release, or a development version after the newest release."""

    release: str  # the full version: "0.2.0" or "0.2.0.dev4+gabc1234"
    released: datetime.date | None  # the release date; None for a development version
    commit: str | None  # the commit built, when known

    @property
    def version(self) -> str:
        """The short X.Y version Sphinx shows beside the full one."""
        return ".".join(self.release.split(".")[:2])

    @property
    def line(self) -> str:
        """One line for every page, the title page and the versions page."""
        if self.released:
            return f"Released {self.released.isoformat()}"
        return "Development version, not yet released"


def releases(manifest: Path = MANIFEST) -> list[Release]:
    """The releases in the manifest, oldest first; raises ValueError on a malformed entry."""
    entries = tomllib.loads(manifest.read_text(encoding="utf-8")).get("release", [])
    found = []
    for entry in entries:
        version, date, commit = entry.get("version", ""), entry.get("date"), entry.get("commit", "")
        if not VERSION.match(version):
            raise ValueError(f"{manifest.name}: version {version!r} is not MAJOR.MINOR.PATCH")
        if not isinstance(date, datetime.date):
            raise ValueError(f"{manifest.name}: {version} has no date (write it as 2026-11-26, unquoted)")
        if not re.fullmatch(r"[0-9a-f]{40}", commit):
            raise ValueError(f"{manifest.name}: {version} needs the full 40-character commit hash")
        found.append(Release(version, date, commit))
    ordered = sorted(found, key=lambda r: key(r.version))
    if ordered != found or len({r.version for r in found}) != len(found):
        raise ValueError(f"{manifest.name}: releases must be listed once each, oldest first")
    return found


def key(version: str) -> tuple[int, int, int]:
    major, minor, patch = VERSION.match(version).groups()
    return int(major), int(minor), int(patch)


def next_minor(version: str) -> str:
    major, minor, _ = key(version)
    return f"{major}.{minor + 1}.0"


def _git(root: Path, *args: str) -> str | None:
    """The output of a git command in ``root``, or None where there is no git or no repository."""
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _same_content(root: Path, commit: str) -> bool:
    """True if the working tree has the content of ``commit``, apart from the manifest itself."""
    done = subprocess.run(
        ["git", "diff", "--quiet", commit, "--", ".", f":(exclude){MANIFEST.name}"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def describe(root: Path = ROOT, environ: dict | None = None) -> Build:
    """The build of the tree at ``root`` (see the module's docstring)."""
    environ = os.environ if environ is None else environ
    if told := environ.get("TPI_RELEASE"):  # a copy of the sources told what it is (the test suite's copies)
        date = environ.get("TPI_RELEASE_DATE")
        return Build(told, datetime.date.fromisoformat(date) if date else None, environ.get("TPI_COMMIT"))
    known = releases(root / MANIFEST.name)
    in_git = _git(root, "rev-parse", "--is-inside-work-tree") == "true" and not environ.get("TPI_COMMIT")
    commit = _git(root, "rev-parse", "HEAD") if in_git else environ.get("TPI_COMMIT") or None

    for release in reversed(known):
        same = in_git and _has(root, release.commit) and _same_content(root, release.commit)
        if commit == release.commit or same:
            return Build(release.version, release.date, commit)

    newest = known[-1] if known else None
    upcoming = next_minor(newest.version) if newest else "0.1.0"
    if in_git:
        counted = newest and _has(root, newest.commit)
        distance = _git(root, "rev-list", "--count", f"{newest.commit}..HEAD") if counted else None
        local = f"g{commit[:7]}"
    else:
        distance = environ.get("TPI_DISTANCE")
        local = f"g{commit[:7]}" if commit else "unknown"
    return Build(f"{upcoming}.dev{distance or 0}+{local}", None, commit)


def _has(root: Path, commit: str) -> bool:
    return _git(root, "cat-file", "-e", f"{commit}^{{commit}}") is not None
