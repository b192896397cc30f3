"""What a build costs before and after its work (issue 13: a rebuild with nothing changed under a second):
what importing the project's extension loads, and the garbage collector of the build (tpi_sphinx.gcfreeze).
The times are in `make bench` and scripts/rebuild_steps.py; here, the behaviour that gives them. That the
site is the same with these as without them: tests/test_reproducible.py (its clean builds run with
TPI_FULL_REBUILD=1, which switches gcfreeze off)."""

import gc
import json
import os
import shutil
import subprocess
import sys
import weakref
from pathlib import Path

import pytest
from docutils import nodes
from sphinx.application import Sphinx

from conftest import ROOT

# -- Imports -----------------------------------------------------------------------------------------


def _modules_after(code: str) -> set[str]:
    """The modules loaded in a fresh Python of this virtualenv after running ``code``."""
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(done.stdout.split())


def test_importing_the_extension_does_not_load_the_linter():
    """conf.py imports tpi_sphinx on every build; the linter (and what it loads) is imported only when a page
    with a review question is read."""
    loaded = _modules_after("import tpi_sphinx")
    assert "tpi_sphinx" in loaded
    assert {name for name in loaded if name.startswith("tpi_sphinx.lint")} == set()


def test_the_question_check_loads_the_linter_when_it_runs():
    """The other side: the check of typed doses in a question still uses the linter's pattern."""
    loaded = _modules_after(
        "from docutils import nodes\n"
        "from tpi_sphinx.questions import hand_typed\n"
        "assert hand_typed(nodes.paragraph('', 'Inject 5 mL of lidocaine 1%.')) == ['5 mL', 'lidocaine 1%']"
    )
    assert "tpi_sphinx.lint.numbers" in loaded


def test_hand_typed_finds_doses_outside_dose_roles():
    from tpi_sphinx.questions import hand_typed

    question = nodes.paragraph("", "", nodes.Text("Give 10 mL, not "), nodes.inline("", "20 mL", classes=["dose"]))
    assert hand_typed(question) == ["10 mL"]


NAVIGATION_HTML = (
    '<ul><li class="toctree-l1 has-children"><a class="reference internal" href="a.html">A</a>'
    '<ul><li class="toctree-l2"><a class="reference internal" href="a/b.html">B</a></li></ul></li>'
    '<li class="toctree-l1"><a class="reference internal" href="c.html">C</a></li></ul>'
)
FURO_NAVIGATION = f"""
import sys
{{imports}}
print(furo.get_navigation_tree({NAVIGATION_HTML!r}))
print("bs4" in sys.modules, type(sys.modules["furo.navigation"]).__name__)
"""


def _navigation(imports: str, **environ: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", FURO_NAVIGATION.format(imports=imports)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **environ},
    )
    return done.stdout.splitlines()


def test_furo_through_lazyfuro_loads_beautifulsoup_on_first_use_and_gives_furos_navigation():
    imported = "from tpi_sphinx.lazyfuro import furo\nassert 'bs4' not in sys.modules, 'loaded at import'"
    *tree, loaded = _navigation(imported, TPI_FULL_REBUILD="")
    *furos, furos_loaded = _navigation("import furo")
    assert tree == furos and "toctree-checkbox" in "".join(furos)  # Furo's toggles, as Furo adds them
    assert loaded == furos_loaded == "True module"  # loaded by the first call; Furo's real module in place


def test_with_furo_imported_already_or_a_full_rebuild_lazyfuro_changes_nothing():
    first = "import furo\nfrom tpi_sphinx.lazyfuro import furo\nassert 'bs4' in sys.modules"
    assert _navigation(first)[-1] == "True module"
    full = "from tpi_sphinx.lazyfuro import furo\nassert 'bs4' in sys.modules"
    assert _navigation(full, TPI_FULL_REBUILD="1")[-1] == "True module"


REBUILD_REPORTING_MODULES = """
import json, sys
import sphinx.cmd.build
code = sphinx.cmd.build.main(sys.argv[1:])
with open({report!r}, "w") as out:
    json.dump(sorted(sys.modules), out)
sys.exit(code)
"""


def _rebuild_modules(site, folder: Path, *options: str) -> set[str]:
    """The modules a rebuild of a copy of the site's build loads, as `make html` runs it."""
    for part, kept in (("html", site.outdir), ("doctrees", site.doctreedir)):
        if not (folder / part).exists():
            shutil.copytree(kept, folder / part)
    report = folder / "modules.json"
    command = [sys.executable, "-c", REBUILD_REPORTING_MODULES.format(report=str(report))]
    command += ["-b", "html", "-c", str(ROOT), "-W", "--keep-going", "-n", "-q", *options]
    command += ["-d", str(folder / "doctrees"), str(ROOT / "docs"), str(folder / "html")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "TPI_FULL_REBUILD": ""})
    assert done.returncode == 0, done.stdout + done.stderr
    return set(json.loads(report.read_text()))


def test_a_rebuild_with_nothing_to_write_loads_neither_beautifulsoup_nor_the_linter(site, tmp_path):
    loaded = _rebuild_modules(site, tmp_path)
    assert "sphinx.builders.html" in loaded and "furo" in loaded
    assert {name for name in loaded if name.split(".")[0] in {"bs4", "soupsieve"}} == set()
    assert {name for name in loaded if name.startswith("tpi_sphinx.lint")} == set()
    # the other side: a build that writes the pages builds their navigation with BeautifulSoup
    assert "bs4" in _rebuild_modules(site, tmp_path, "-a")


# -- The garbage collector -----------------------------------------------------------------------------

CYCLE_AT_EXIT = """
import os
{setup}
class Cycle:
    def __del__(self, write=os.write):
        write(1, b"finalized")
cycle = Cycle()
cycle.self = cycle
del cycle  # garbage in a reference cycle: only the collector frees it
"""


@pytest.mark.parametrize(
    ("setup", "finalized"),
    [
        ("", True),  # without: the interpreter's shutdown runs the collector over everything
        ("from tpi_sphinx.gcfreeze import freeze_at_exit\nfreeze_at_exit()\nfreeze_at_exit()", False),
    ],
)
def test_at_exit_the_collector_is_not_run_over_the_builds_objects(setup, finalized):
    """The shutdown's full collections were a third of a rebuild with nothing to do: with gcfreeze they find
    nothing to trace (and, as the module says, a cycle left at exit is not finalized)."""
    done = subprocess.run(
        [sys.executable, "-c", CYCLE_AT_EXIT.format(setup=setup)], cwd=ROOT, capture_output=True, check=True
    )
    assert (done.stdout == b"finalized") is finalized


def _tiny_project(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "conf.py").write_text('extensions = ["tpi_sphinx.gcfreeze"]\n')
    (folder / "index.rst").write_text("A page\n======\n\nSome text.\n")
    return folder


def _build_watching_the_collector(folder: Path) -> tuple[list[int], weakref.ref]:
    """An in-process build of a tiny project: the number of frozen objects while it runs, and a reference to
    an object that became garbage (in a cycle) just before it."""

    class Cycle:
        pass

    during: list[int] = []
    gc.disable()  # no automatic collection frees the garbage before the build starts
    try:
        garbage = Cycle()
        garbage.self = garbage
        gone = weakref.ref(garbage)
        del garbage
        source = _tiny_project(folder / "source")
        app = Sphinx(source, source, folder / "html", folder / "doctrees", "html", status=None, warning=None)
        app.connect("env-updated", lambda app, env: during.append(gc.get_freeze_count()))
        app.build()
    finally:
        gc.enable()
    return during, gone


def test_a_build_freezes_what_exists_before_it_and_nothing_stays_frozen_after(tmp_path, monkeypatch):
    monkeypatch.delenv("TPI_FULL_REBUILD", raising=False)
    assert gc.get_freeze_count() == 0
    during, gone = _build_watching_the_collector(tmp_path)
    assert during and during[0] > 1000  # the modules (and the garbage made before) were frozen
    assert gc.get_freeze_count() == 0  # and unfrozen when the build finished
    gc.collect()
    assert gone() is None  # so garbage frozen with them is freed afterwards: nothing leaks into the next build


def test_a_full_rebuild_leaves_the_collector_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("TPI_FULL_REBUILD", "1")
    during, _ = _build_watching_the_collector(tmp_path)
    assert during == [0]


COUNT_FREEZES = """
import gc, os
gc.freeze = lambda: os.write(1, b"freeze ")  # what runs at exit, counted
from tpi_sphinx.gcfreeze import freeze_at_exit
freeze_at_exit()
freeze_at_exit()
"""


def test_the_exit_freeze_runs_once_however_many_builds_ran():
    """Several builds in one process (the test suite, make live's worker) register it once."""
    done = subprocess.run([sys.executable, "-c", COUNT_FREEZES], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["freeze"]
