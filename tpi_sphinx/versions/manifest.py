"""The versions to put online: every release in ``releases.toml``, and main as ``dev``.

A release is built from the commit the manifest records for it (read and checked by
``tpi_sphinx.release``), never from a tag, so a plain clone carries every version. The newest
release is labelled ``latest``, earlier ones ``old``; main (the commit checked out, HEAD) is named
and labelled ``dev``.
"""

import datetime
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sphinx_polyversion.git import GitRef, GitRefType

from ..release import MANIFEST as MANIFEST_PATH
from ..release import releases

MANIFEST = MANIFEST_PATH.name  # releases.toml, at the root of each checkout
DEV = "dev"


@dataclass(frozen=True)
class Version:
    name: str  # its folder in the site: "0.1.0", or "dev" for main
    label: str  # "latest" (the newest release), "old" (an earlier release) or "dev"
    commit: str  # the full hash
    date: datetime.date  # the release date; for dev, the date of the commit
    timestamp: int  # the commit's time (seconds since 1970), for SOURCE_DATE_EPOCH
    distance: int | None  # dev only: commits since the newest release

    def ref(self) -> GitRef:
        """The version as sphinx-polyversion's git reference (it checks out ``commit``)."""
        kind, ref = (GitRefType.BRANCH, "HEAD") if self.label == DEV else (GitRefType.TAG, f"refs/tags/v{self.name}")
        when = datetime.datetime.fromtimestamp(self.timestamp, datetime.UTC)
        return GitRef(self.name, self.commit, ref, kind, when)


class ManifestError(ValueError):
    """The manifest names a release this repository cannot build."""


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    if done.returncode:
        raise ManifestError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def _commit_time(root: Path, commit: str, version: str) -> int:
    try:
        return int(_git(root, "show", "-s", "--format=%ct", f"{commit}^{{commit}}"))
    except ManifestError:
        raise ManifestError(
            f"{MANIFEST}: {version} is at commit {commit}, which this clone does not have"
            " (a shallow clone? git fetch --unshallow)"
        ) from None


def versions(root: Path) -> list[Version]:
    """The releases in the manifest at ``root``, oldest first, then dev (HEAD)."""
    try:
        known = releases(root / MANIFEST)
    except ValueError as error:
        raise ManifestError(str(error)) from None
    found = []
    for number, release in enumerate(known, start=1):
        label = "latest" if number == len(known) else "old"
        time = _commit_time(root, release.commit, release.version)
        found.append(Version(release.version, label, release.commit, release.date, time, None))
    head = _git(root, "rev-parse", "HEAD")
    time = _commit_time(root, head, DEV)
    since = f"{known[-1].commit}..HEAD" if known else "HEAD"
    distance = int(_git(root, "rev-list", "--count", since))
    found.append(Version(DEV, DEV, head, datetime.datetime.fromtimestamp(time, datetime.UTC).date(), time, distance))
    return found
