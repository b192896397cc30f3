"""The garbage collector of a build: the objects that live the whole build are not traced again and again.

Python's cycle collector traces every object it tracks on each full collection. A build keeps a few
hundred thousand objects for its whole length (the modules of Sphinx, docutils, MyST and the extensions,
the saved environment), and a rebuild with nothing to do spent about a third of its time tracing them
(scripts/rebuild_steps.py; docs/about/performance.md has the figures):

- at exit: the interpreter's shutdown runs full collections while it tears the modules down, after the
  last page is written, 0.25 to 0.45 s of a 1 s rebuild. Freezing every object at exit (``gc.freeze()``,
  registered with :mod:`atexit`, so it runs after the build and before the shutdown) leaves them to be
  freed by their reference counts alone, as the process ends. What this gives up: objects in reference
  cycles are not finalized at exit, which Python never promises anyway (files are closed by Sphinx as it
  writes them; the tests compare a rebuilt site with a clean build);
- during the build: the objects that exist once the configuration is read (the modules, mostly) are
  frozen at ``config-inited`` and unfrozen at ``build-finished``, so the full collections of the build
  trace only what the build itself made. Unfreezing at the end matters when several builds run in one
  process (the test suite, `make live`'s worker): nothing of one build stays frozen into the next.

Nothing here changes what is built; only the time of a build and of its process's exit. Like the other
shortcuts of a rebuild, ``TPI_FULL_REBUILD=1`` switches it off (tpi_sphinx.incremental), so that the tests
compare builds with it against a build without it.
"""

import atexit
import gc

from sphinx.application import Sphinx
from sphinx.config import Config

from .incremental import enabled


def freeze_until_built(app: Sphinx, config: Config) -> None:
    gc.freeze()


def unfreeze(app: Sphinx, exception: Exception | None) -> None:
    gc.unfreeze()


def freeze_at_exit() -> None:
    """Register ``gc.freeze`` to run at exit, once however many builds the process runs."""
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


def setup(app: Sphinx) -> None:
    if not enabled():
        return
    app.connect("config-inited", freeze_until_built, priority=0)  # before the other handlers make objects
    app.connect("build-finished", unfreeze, priority=1000)  # after the others
    freeze_at_exit()
