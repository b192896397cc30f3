"""What `make versions` keeps between runs (``_build/versions-cache``; ``make versions VERSIONS_CACHE=``
keeps nothing), so that a version that has not changed is not set up or built again:

- ``venvs/<key>/``: a virtual environment for each set of pinned requirements, made the first time a
  version needs it by that version's own Makefile (``make VENV=<the folder> <the folder>/.installed``,
  its output in ``venvs/<key>.log``). The version's checkout gets ``.venv`` as a link to it, and its make
  is told (``-o .venv/.installed``) not to install again. The key: the checkout's ``requirements.txt``
  and ``scripts/bootstrap-venv``, and the Python that makes the environment.
- ``builds/<key>/``: what a version's make built (``html/``, the PDF and EPUB in ``downloads/``) and its
  log, reused as they are when the key is the same. The key: the commit (its whole tree: sources,
  Makefile, requirements), the formats, the manifest copied into the checkout, the environment variables
  the build reads (``TPI_*``, ``SOURCE_DATE_EPOCH``, ``READTHEDOCS*``, ``SPHINX*`` and any the version's
  Makefile names), the Python, and the code of this package that runs the build.

A changed input gives another key, so nothing kept is ever used for what it was not made from; a failed
setup or build is not kept. Each entry is written under another name and renamed into place when
complete, and a lock file keeps two runs (or two versions) from making the same environment at once.
Only the ``KEEP_BUILDS`` builds used last are kept; ``make clean`` removes the cache with the rest of ``_build``.
"""

import asyncio
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
from asyncio.subprocess import PIPE, STDOUT
from collections.abc import Callable, Mapping
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path

FORMAT = "1"  # changed when what is kept, or how, changes
KEEP_BUILDS = 24  # the builds used last are kept, the others removed (an edited tree makes new commits in the tests)
BUILDER_CODE = (Path(__file__).parent / "build.py", Path(__file__))  # the code that makes a version's build
READ_FROM_ENVIRONMENT = re.compile(r"TPI_|SOURCE_DATE_EPOCH$|READTHEDOCS|SPHINX")
# Make variables a Makefile uses or sets: $(NAME), ${NAME}, $$NAME (in the shell), NAME := / ?= / = / +=
MAKE_NAMES = re.compile(r"\$[({]([A-Za-z_]\w*)[)}:]|\$\$\{?([A-Za-z_]\w*)|^\s*([A-Za-z_]\w*)\s*[:?+!]?=", re.M)
VENV_RULE = "$(VENV)/.installed:"  # what a Makefile needs for its environment to be kept here


def digest(*parts: bytes) -> str:
    """A hash of ``parts`` that tells (a, bc) from (ab, c)."""
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(len(part).to_bytes(8, "big") + part)
    return hashed.hexdigest()[:32]


@cache
def python_version(python: str) -> bytes:
    """What ``python`` is (its path and version): an environment or build made with another is not reused."""
    done = subprocess.run(
        [python, "-c", "import sys; print(sys.executable, sys.version)"], capture_output=True, check=False
    )
    return done.stdout + done.stderr + str(done.returncode).encode()


def make_names(makefile: Path) -> set[str]:
    text = makefile.read_text(encoding="utf-8", errors="replace") if makefile.is_file() else ""
    return {name for match in MAKE_NAMES.finditer(text) for name in match.groups() if name}


def _file(path: Path) -> bytes:
    return path.read_bytes() if path.is_file() else b"(none)"


class Cache:
    def __init__(self, root: Path):
        self.root = root

    # -- Virtual environments ----------------------------------------------------------------------------

    def venv_key(self, checkout: Path, environ: Mapping[str, str]) -> str:
        python = environ.get("PYTHON", "python3")
        return digest(
            b"venv",
            FORMAT.encode(),
            python_version(python),
            _file(checkout / "requirements.txt"),
            _file(checkout / "scripts" / "bootstrap-venv"),
        )

    async def venv(self, checkout: Path, environ: dict[str, str]) -> tuple[list[str], str]:
        """Link the checkout's ``.venv`` to the kept environment for its requirements (made now if there is
        none): the options for the version's make, and a line for its log. No link, no options, when the
        checkout's Makefile has no rule to make its environment."""
        if VENV_RULE not in _file(checkout / "Makefile").decode("utf-8", "replace") or (checkout / ".venv").exists():
            return [], ""
        key = self.venv_key(checkout, environ)
        folder = self.root / "venvs" / key
        log = folder.with_suffix(".log")
        async with locked(folder.with_suffix(".lock")):
            if not (folder / ".installed").is_file():
                shutil.rmtree(folder, ignore_errors=True)
                made = await asyncio.create_subprocess_exec(
                    "make",
                    "--no-print-directory",
                    f"VENV={folder}",
                    f"{folder}/.installed",
                    cwd=checkout,
                    env=environ,
                    stdout=PIPE,
                    stderr=STDOUT,
                )
                out = (await made.communicate())[0].decode("utf-8", "replace")
                log.write_text(out, encoding="utf-8")
                if made.returncode:
                    shutil.rmtree(folder, ignore_errors=True)
                    raise VenvFailed(f"making its virtual environment failed (log: {log})\n{out[-3000:]}")
        (checkout / ".venv").symlink_to(folder, target_is_directory=True)
        return ["-o", ".venv/.installed"], f"versions: .venv is {folder}, made from requirements.txt (log: {log})\n"

    # -- Builds ----------------------------------------------------------------------------------------

    def build_key(self, checkout: Path, commit: str, formats: tuple[str, ...], environ: Mapping[str, str]) -> str:
        names = make_names(checkout / "Makefile")
        read = {n: v for n, v in sorted(environ.items()) if READ_FROM_ENVIRONMENT.match(n) or n in names}
        return digest(
            b"build",
            FORMAT.encode(),
            commit.encode(),
            " ".join(formats).encode(),
            json.dumps(read, sort_keys=True).encode(),
            _file(checkout / "releases.toml"),
            python_version(environ.get("PYTHON", "python3")),
            *(path.read_bytes() for path in BUILDER_CODE),
        )

    def kept(self, key: str) -> Path | None:
        folder = self.root / "builds" / key
        if not (folder / "log.txt").is_file():
            return None
        os.utime(folder / "log.txt")  # used now: the last to be removed
        return folder

    def keep(self, key: str, html: Path, downloads: dict[str, Path], log: str) -> None:
        """Keep a version's build: written aside, then renamed into place (another run may have kept it first)."""
        final = self.root / "builds" / key
        part = final.with_name(f"{key}.part{os.getpid()}")
        shutil.rmtree(part, ignore_errors=True)
        shutil.copytree(html, part / "html", symlinks=True)
        for fmt, made in downloads.items():
            (part / "downloads" / fmt).mkdir(parents=True)
            shutil.copy2(made, part / "downloads" / fmt / made.name)
        (part / "log.txt").write_text(log, encoding="utf-8")
        try:
            os.rename(part, final)
        except OSError:  # kept meanwhile by another run
            shutil.rmtree(part, ignore_errors=True)
        self.prune()

    def prune(self) -> None:
        """Remove all but the KEEP_BUILDS builds used last."""
        builds = [log.parent for log in (self.root / "builds").glob("*/log.txt")]
        remove_all_but_used_last(builds, KEEP_BUILDS, used=lambda folder: folder / "log.txt")


def remove_all_but_used_last(entries: list[Path], keep: int, used: Callable[[Path], Path] = Path) -> None:
    """Remove (a folder with what it holds) all but the ``keep`` entries used last: those whose file ``used(entry)``
    was modified last (a cache marks an entry as used by touching that file)."""

    def last_used(entry: Path) -> float:
        try:
            return used(entry).stat().st_mtime
        except FileNotFoundError:  # removed meanwhile by another run
            return 0.0

    for entry in sorted(entries, key=last_used, reverse=True)[keep:]:
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


class VenvFailed(Exception):
    pass


@asynccontextmanager
async def locked(path: Path):
    """An exclusive lock on ``path`` (made if missing), for the coroutines of this run and for other runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
