"""Furo, imported without BeautifulSoup: the parser is loaded when a page's navigation is first built.

``import furo`` runs ``from .navigation import get_navigation_tree``, and ``furo/navigation.py`` imports
BeautifulSoup at its top, with soupsieve (whose selector grammar compiles dozens of regular expressions):
0.06 to 0.1 s of every build, spent before Sphinx knows whether any page is to be written, and wasted when
none is (a rebuild with nothing changed writes none). The change we would offer Furo is two lines: import
``bs4`` inside ``get_navigation_tree``. Until Furo has it, the project imports Furo through this module
(``from .lazyfuro import furo``), which first puts a stand-in for ``furo.navigation`` in ``sys.modules``:
its ``get_navigation_tree`` loads Furo's real module (BeautifulSoup with it) on the first call and hands
every call on to it, and any other name asked of it loads the real module too. Furo's code runs unchanged.

The stand-in goes in only while Furo is not yet imported (the extension is imported by conf.py, before
Sphinx loads the theme); when it is (``make live``'s warm worker imports Furo, BeautifulSoup included, once
at start), nothing changes; nor with ``TPI_FULL_REBUILD=1`` (tpi_sphinx.incremental), so that the clean
builds that the tests compare rebuilds with import Furo as it comes. tests/test_startup.py checks that a
rebuild with nothing to write loads no BeautifulSoup, and that the stand-in's navigation is Furo's own.
"""

import importlib.machinery
import importlib.util
import sys
import types

from .incremental import enabled

NAVIGATION = "furo.navigation"


class _Deferred(types.ModuleType):
    """``furo.navigation`` until it is first used."""

    def __getattr__(self, name: str):
        if name.startswith("__"):  # what the import system asks of a module (__path__): not a reason to load
            raise AttributeError(name)
        return getattr(_load(), name)


def _load() -> types.ModuleType:
    """Furo's own ``furo.navigation``, imported now if it is not yet (and put where the stand-in was)."""
    module = sys.modules.get(NAVIGATION)
    if module is not None and not isinstance(module, _Deferred):
        return module
    package = sys.modules["furo"]
    spec = importlib.machinery.PathFinder.find_spec(NAVIGATION, package.__path__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[NAVIGATION] = module
    package.navigation = module
    return module


def get_navigation_tree(toctree_html: str) -> str:
    """Furo's ``get_navigation_tree``, loaded on the first call."""
    return _load().get_navigation_tree(toctree_html)


def _defer() -> None:
    if "furo" in sys.modules or NAVIGATION in sys.modules:
        return  # imported already: as it is
    if not enabled():
        return  # TPI_FULL_REBUILD=1: Furo as it comes, for the tests to compare with
    stand_in = _Deferred(NAVIGATION, "furo.navigation, loaded when first used (tpi_sphinx.lazyfuro)")
    stand_in.get_navigation_tree = get_navigation_tree
    sys.modules[NAVIGATION] = stand_in


_defer()

import furo  # noqa: E402  (after the stand-in: the point of this module)

__all__ = ["furo"]
