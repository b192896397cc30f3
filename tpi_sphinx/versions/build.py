"""Build every version in its own checkout with sphinx-polyversion, and fail when one is missing.

sphinx-polyversion copies each version's commit into a temporary folder (without ``.git``). There the
version's own Makefile builds it, as a reader of that version would: ``make html [pdf epub]
BUILD=<checkout>/_build``, which creates the checkout's own ``.venv`` from its own pinned
requirements and runs ``sphinx-build -c . docs`` with its own ``conf.py``. What a build would read
from git comes from the manifest instead, in environment variables: ``TPI_COMMIT`` (full hash),
``TPI_COMMIT_DATE`` (YYYY-MM-DD), ``TPI_DISTANCE`` (dev: commits since the newest release) and
``SOURCE_DATE_EPOCH`` (the commit's time, so that dates in the output are the commit's). A checkout
that carries a ``releases.toml`` gets the current one, so that a release commit, which cannot
record its own hash, knows that it is that release.

sphinx-polyversion logs a failed build and carries on, exiting 0 with the version missing; the
driver here records every failure and checks that every version has its ``index.html`` before the
site is put together, and raises ``VersionsFailed`` naming the versions otherwise.

Given a cache folder (``make versions`` gives ``_build/versions-cache``), a version's build that was made
before from the same inputs is copied from there instead of made again, and a checkout's ``.venv`` is the
environment kept there for its requirements (``cache.py``).
"""

import asyncio
import os
import re
import shutil
import sys
import time
from asyncio.subprocess import PIPE, STDOUT
from dataclasses import dataclass
from pathlib import Path

from sphinx_polyversion.builder import Builder, BuildError
from sphinx_polyversion.driver import DefaultDriver
from sphinx_polyversion.environment import Environment
from sphinx_polyversion.git import Git, GitRef

from . import site
from .cache import Cache, VenvFailed
from .manifest import MANIFEST, Version

FORMATS = ("html", "pdf", "epub")
DOWNLOADS = {"pdf": "*.pdf", "epub": "*.epub"}  # folder in the checkout's _build, and the file in it
# What the make that runs `make versions` passes down to its sub-makes: a version's make must see
# only its own Makefile's settings (BUILD=..., VENV=... given to the outer make would override them).
PARENT_MAKE = ("MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES", "MAKELEVEL", "GNUMAKEFLAGS", "VIRTUAL_ENV")
# A version named outright (tpi_sphinx.release; the test suite names its copies) is the caller's, not the checkout's.
PARENT_VERSION = ("TPI_RELEASE", "TPI_RELEASE_DATE")
LOG_TAIL = 40  # lines of a failed build's output printed with its error


def command_line_variables(makeflags: str) -> list[str]:
    """The variables given on the command line of the make that runs `make versions` (``make versions BUILD=x``, or
    ``make bench BENCH=...`` whose tests run it): make puts them into its recipes' environment, where a version's
    make would take them up (and the key of its kept build with them), as well as into MAKEFLAGS after " -- "."""
    given = re.search(r"(?:^|\s)--\s(.*)", makeflags)
    return re.findall(r"(?:^|(?<=[^\\]) )([A-Za-z_][A-Za-z0-9_]*)=", given[1]) if given else []


class VersionsFailed(Exception):
    def __init__(self, failures: dict[str, str]):
        self.failures = failures
        super().__init__("; ".join(f"{name}: {why}" for name, why in failures.items()))


@dataclass(frozen=True)
class Built:
    downloads: dict[str, str]  # format -> path of the file inside the version's folder
    seconds: float


class MakeBuilder(Builder[Environment, Built]):
    """Runs the checkout's own Makefile and collects the site, the PDF and the EPUB it made."""

    def __init__(self, formats: tuple[str, ...], manifest: Path, logs: Path, cache: Path | None = None):
        self.formats = formats
        self.manifest = manifest
        self.logs = logs
        self.cache = Cache(cache) if cache else None

    def environ(self, version: Version) -> dict[str, str]:
        left_out = {*PARENT_MAKE, *PARENT_VERSION, *command_line_variables(os.environ.get("MAKEFLAGS", ""))}
        env = {name: value for name, value in os.environ.items() if name not in left_out}
        env.update(
            TPI_COMMIT=version.commit,
            TPI_COMMIT_DATE=time.strftime("%Y-%m-%d", time.gmtime(version.timestamp)),
            SOURCE_DATE_EPOCH=str(version.timestamp),
        )
        if version.distance is not None:
            env["TPI_DISTANCE"] = str(version.distance)
        return env

    async def build(self, environment: Environment, output_dir: Path, data: Version) -> Built:
        start = time.perf_counter()
        checkout = environment.path
        if (checkout / MANIFEST).exists():
            shutil.copy2(self.manifest, checkout / MANIFEST)
        env = self.environ(data)
        self.logs.mkdir(parents=True, exist_ok=True)
        log = self.logs / f"{data.name}.log"
        key = self.cache.build_key(checkout, data.commit, self.formats, env) if self.cache else None
        if key and (kept := self.cache.kept(key)):
            shutil.copytree(kept / "html", output_dir, dirs_exist_ok=True)
            downloads = self.collect(kept / "downloads", output_dir, log)
            note = f"versions: {data.name} not built again: its build is kept in {kept}; the log of that build:\n"
            log.write_text(note + (kept / "log.txt").read_text(encoding="utf-8"), encoding="utf-8")
            return Built(downloads, time.perf_counter() - start)
        options, out = [], ""
        if self.cache:
            try:
                options, out = await self.cache.venv(checkout, env)
            except VenvFailed as error:
                log.write_text(str(error), encoding="utf-8")
                raise BuildError(str(error)) from None
        made, _, returncode = await environment.run(
            "make",
            "--no-print-directory",
            *options,
            *self.formats,
            f"BUILD={checkout / '_build'}",
            cwd=checkout,
            env=env,
            stdout=PIPE,
            stderr=STDOUT,
        )
        out += made
        log.write_text(out, encoding="utf-8")
        if returncode:
            tail = "\n".join(out.splitlines()[-LOG_TAIL:])
            raise BuildError(f"make {' '.join(self.formats)} exited with {returncode} (log: {log})\n{tail}")
        shutil.copytree(checkout / "_build" / "html", output_dir, dirs_exist_ok=True)
        downloads = self.collect(checkout / "_build", output_dir, log)
        if key:
            self.cache.keep(key, checkout / "_build" / "html", {f: output_dir / p for f, p in downloads.items()}, out)
        return Built(downloads, time.perf_counter() - start)

    def collect(self, built: Path, output_dir: Path, log: Path) -> dict[str, str]:
        """Copy the PDF and EPUB in ``built``/pdf and ``built``/epub into the version's downloads."""
        downloads = {}
        for fmt in self.formats:
            if fmt in DOWNLOADS:
                made = sorted((built / fmt).glob(DOWNLOADS[fmt]))
                if len(made) != 1:
                    raise BuildError(f"make {fmt} made {len(made)} files instead of one (log: {log})")
                (output_dir / "downloads").mkdir(exist_ok=True)
                shutil.copy2(made[0], output_dir / "downloads" / made[0].name)
                downloads[fmt] = f"downloads/{made[0].name}"
        return downloads


class Versions(Git):
    """sphinx-polyversion's git checkout, for the versions of the manifest instead of matching refs."""

    def __init__(self, versions: list[Version]):
        super().__init__(branch_regex="", tag_regex="")
        self.refs = tuple(version.ref() for version in versions)
        self.one_at_a_time = asyncio.Lock()

    async def retrieve(self, root: Path) -> tuple[GitRef, ...]:
        return self.refs

    async def checkout(self, root: Path, dest: Path, revision: GitRef) -> None:
        """One checkout at a time: polyversion checks each version out through a git worktree, and a `git worktree
        add` fails while another worktree of the repository is being added or removed ("failed to read
        .git/worktrees/wt-.../commondir"), which a version whose build is kept makes likely."""
        async with self.one_at_a_time:
            await super().checkout(root, dest, revision)


class Driver(DefaultDriver):
    """sphinx-polyversion's driver, which records failures and puts the site together only if none."""

    def __init__(self, root: Path, output_dir: Path, versions: list[Version], builder: Builder):
        self.versions = {version.name: version for version in versions}
        super().__init__(
            root,
            output_dir,
            vcs=Versions(versions),
            builder=builder,
            env=Environment.factory(),
            namer=lambda ref: ref.name,
            data_factory=lambda driver, ref, env: driver.versions[ref.name],
        )
        self.built: dict[str, Built] = {}
        self.failed: dict[str, str] = {}
        self.slots = asyncio.Semaphore(os.cpu_count() or 1)  # polyversion alone starts every build at once

    async def build_revision(self, rev: GitRef) -> None:
        version = self.versions[rev.name]
        async with self.slots:
            say(f"building {version.name} ({version.label}, commit {version.commit[:10]})")
            try:
                await super().build_revision(rev)
            except Exception as error:  # a failed checkout: polyversion would abandon the whole run
                said = getattr(error, "stderr", None)  # what git said, for a failed git command
                said = said.decode("utf-8", "replace").strip() if isinstance(said, bytes) else said
                self.failed[rev.name] = f"{type(error).__name__}: {error}" + (f" ({said})" if said else "")
                say(f"{rev.name} FAILED: {self.failed[rev.name]}")

    def build_failed(self, rev: GitRef, exc_info) -> None:
        self.failed[rev.name] = str(exc_info[1])
        say(f"{rev.name} FAILED: {self.failed[rev.name].splitlines()[0]} (its end is shown below)")

    def build_succeeded(self, rev: GitRef, data: Built) -> None:
        super().build_succeeded(rev, data)
        self.built[rev.name] = data
        say(f"{rev.name} built in {data.seconds:.0f} s")

    async def build_root(self) -> None:
        missing = {
            name: self.failed.get(name, "the build left no index.html")
            for name in self.versions
            if name not in self.built or not (self.output_dir / name / "index.html").is_file()
        }
        if missing:
            raise VersionsFailed(missing)
        site.finish(self.output_dir, list(self.versions.values()), {n: b.downloads for n, b in self.built.items()})


def say(message: str) -> None:
    print(f"versions: {message}", file=sys.stderr, flush=True)


def build_site(
    root: Path,
    output_dir: Path,
    versions: list[Version],
    formats: tuple[str, ...],
    logs: Path,
    sequential: bool,
    cache: Path | None = None,
) -> None:
    """Build ``versions`` of the repository at ``root`` into ``output_dir`` (emptied first), reusing what
    ``cache`` keeps (tpi_sphinx.versions.cache) when one is given."""
    if root.resolve().is_relative_to(output_dir.resolve()):
        raise ValueError(f"{output_dir} holds the repository; give a folder for the site")
    shutil.rmtree(output_dir, ignore_errors=True)
    shutil.rmtree(logs, ignore_errors=True)
    builder = MakeBuilder(formats, root / MANIFEST, logs, cache)
    Driver(root, output_dir, versions, builder).run(sequential=sequential)
