"""Shared fixtures: one strict build of the site per test session, and
throwaway copies of the sources for tests that inject faults."""

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Build:
    returncode: int
    output: str  # everything sphinx-build printed (warnings included)
    warnings: list[str]
    outdir: Path
    doctreedir: Path


def sphinx_build(project: Path, outdir: Path, builder: str = "html") -> Build:
    """Build ``project`` (a folder with conf.py and docs/) the way the Makefile does,
    but without -W so that every warning is collected, not just the first."""
    warnfile = outdir.parent / f"{outdir.name}-warnings.txt"
    doctreedir = outdir.parent / f"{outdir.name}-doctrees"
    cmd = [
        sys.executable, "-m", "sphinx", "-b", builder, "-c", str(project), "-n", "-E", "-q",
        "-d", str(doctreedir), "-w", str(warnfile), str(project / "docs"), str(outdir),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=project)
    warnings = [line for line in warnfile.read_text().splitlines() if line.strip()] if warnfile.exists() else []
    return Build(done.returncode, done.stdout + done.stderr, warnings, outdir, doctreedir)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Build:
    """The reference built once into a temporary directory."""
    build = sphinx_build(ROOT, tmp_path_factory.mktemp("site") / "html")
    assert build.returncode == 0, build.output
    return build


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A throwaway copy of everything the build reads, for fault injection."""
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copy(ROOT / "conf.py", copy)
    shutil.copy(ROOT / "CONTRIBUTING.md", copy)  # included by docs/about/contributing.md
    shutil.copytree(ROOT / "tpi_sphinx", copy / "tpi_sphinx", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "docs", copy / "docs")
    return copy
