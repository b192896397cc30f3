#!/usr/bin/env python3
"""Release the reference: `make release VERSION=x.y.z` (the maintainer's how-to is docs/about/releasing.md).

1. Checks: a clean working tree; VERSION is MAJOR.MINOR.PATCH and newer than the newest release; the
   changelog (docs/about/versions.md) has an entry `### VERSION`; it names every number of the data file
   that changed since the newest release (tpi_sphinx/changelog.py); `make test` passes (skip with
   --no-tests only to rehearse).
2. Dates the entry's heading ("### 0.2.0 (unreleased)" becomes "### 0.2.0 (2026-11-26)"), sets the
   version and date in CITATION.cff, and commits both: that commit carries the release.
3. Records the release (version, date, that commit) in releases.toml, commits it, and tags the
   recording commit vVERSION (its content is the release's: a build of it, or of the tag, is VERSION).
Nothing is pushed: push main and the tag when you are content (`git push origin main vVERSION`).
"""

import argparse
import datetime
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITATION = ROOT / "CITATION.cff"
sys.path.insert(0, str(ROOT))

from tpi_sphinx import changelog, release  # noqa: E402


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def fail(message: str) -> None:
    sys.exit(f"make release: {message}")


def check(version: str, run_tests: bool) -> None:
    if not release.VERSION.match(version):
        fail(f"VERSION={version!r} is not MAJOR.MINOR.PATCH (for example VERSION=0.2.0)")
    known = release.releases()
    if known and release.key(version) <= release.key(known[-1].version):
        fail(f"{version} is not newer than the newest release, {known[-1].version}")
    if git("status", "--porcelain"):
        fail("the working tree has uncommitted changes or untracked files; commit or remove them first")
    text = changelog.CHANGELOG.read_text(encoding="utf-8")
    upcoming, _ = changelog.upcoming_entry(text, {r.version for r in known})
    if upcoming != version:
        fail(f"the changelog's upcoming entry is {upcoming or 'missing'}; add `### {version} (unreleased)` first")
    if problems := changelog.problems():
        fail("the changelog does not name every changed number:\n  " + "\n  ".join(problems))
    if run_tests and subprocess.run(["make", "test"], cwd=ROOT).returncode != 0:
        fail("make test failed")


def date_the_entry(version: str, today: datetime.date) -> None:
    text = changelog.CHANGELOG.read_text(encoding="utf-8")
    heading = re.compile(rf"^### {re.escape(version)}\b.*$", re.MULTILINE)
    changelog.CHANGELOG.write_text(heading.sub(f"### {version} ({today.isoformat()})", text, count=1), "utf-8")
    cff = CITATION.read_text(encoding="utf-8")
    cff = re.sub(r'^version: ".*"$', f'version: "{version}"', cff, count=1, flags=re.MULTILINE)
    cff = re.sub(r'^date-released: ".*"$', f'date-released: "{today.isoformat()}"', cff, count=1, flags=re.MULTILINE)
    CITATION.write_text(cff, encoding="utf-8")
    git("add", str(changelog.CHANGELOG), str(CITATION))
    if git("status", "--porcelain"):
        git("commit", "-q", "-m", f"Changelog: {version} released on {today.isoformat()}")


def record(version: str, today: datetime.date) -> str:
    carrier = git("rev-parse", "HEAD")
    with release.MANIFEST.open("a", encoding="utf-8") as manifest:
        manifest.write(f'\n[[release]]\nversion = "{version}"\ndate = {today.isoformat()}\ncommit = "{carrier}"\n')
    release.releases()  # the manifest still reads
    git("add", str(release.MANIFEST))
    git("commit", "-q", "-m", f"Release {version}")
    git("tag", "-a", f"v{version}", "-m", f"Orthopedic Trigger Point Injection Reference {version}")
    return carrier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", help="the new version, MAJOR.MINOR.PATCH")
    parser.add_argument("--no-tests", action="store_true", help="skip make test (rehearsals only)")
    parser.add_argument("--date", type=datetime.date.fromisoformat, default=datetime.date.today(), help="YYYY-MM-DD")
    args = parser.parse_args()
    check(args.version, run_tests=not args.no_tests)
    date_the_entry(args.version, args.date)
    carrier = record(args.version, args.date)
    built = release.describe().release
    if built != args.version:
        fail(f"the release was recorded, but a build would call itself {built}: check releases.toml")
    print(f"Released {args.version} ({args.date}) at {carrier[:12]}; tagged v{args.version}.")
    print(f"Publish with: git push origin HEAD v{args.version}")


if __name__ == "__main__":
    main()
