#!/usr/bin/env python3
"""`make live`: sphinx-autobuild with a warm worker, so that a saved page shows in the browser in about a second.

sphinx-autobuild (the server, the file watcher and the reload in the browser are all its own) runs a new
``python -m sphinx`` for every change, and that process spends about half of a rebuild importing Sphinx,
docutils, MyST, Furo and pybtex. Here the server imports them once, at start, and every build runs in a
fork of it: a fresh process for each build, as before (nothing of one build is left in the next), that
starts with those modules loaded. The project's own code (conf.py and tpi_sphinx) is not preloaded: each
build imports it anew, so an edit to it takes effect on the next build as it would with sphinx-build.

The page reloads itself when a build finishes: sphinx-autobuild appends an inline script to every page for
that, which the site's Content-Security-Policy (tpi_sphinx/contentpolicy.py) blocks; here the page loads
the same script from the server instead (``/_live-reload.js``, same origin), so the preview runs under the
policy of the published site.

Run through the Makefile (``make live``); the arguments are sphinx-autobuild's.
"""

import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import sphinx.cmd.build
from sphinx_autobuild import __main__ as autobuild
from sphinx_autobuild.build import Builder
from sphinx_autobuild.middleware import JavascriptInjectorMiddleware
from sphinx_autobuild.utils import show_command, show_message
from starlette.responses import Response
from starlette.routing import Route

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PACKAGE = "tpi_sphinx"


def _third_party_modules() -> list[str]:
    """The modules that importing the project's extension loads, less the project's own, in import order
    (found in a throwaway fork, so that this process never imports the project's code)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the fork: import the extension, report what was loaded, leave
        os.close(read)
        names = []
        try:
            sys.path.insert(0, str(ROOT))
            before = set(sys.modules)
            importlib.import_module(PROJECT_PACKAGE)
            names = [n for n in sys.modules if n not in before and n.split(".")[0] != PROJECT_PACKAGE]
        finally:
            with os.fdopen(write, "w") as pipe:
                pipe.write("\n".join(names))
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        names = pipe.read().split()
    os.waitpid(pid, 0)
    return names


def preload() -> int:
    """Import Sphinx's HTML builder and what the extensions need (not the project's code); how many modules."""
    importlib.import_module("sphinx.builders.html")
    loaded = 0
    for name in _third_party_modules():
        try:
            importlib.import_module(name)
            loaded += 1
        except Exception:  # noqa: BLE001 - a module that cannot be imported on its own is imported by the build
            pass
    return loaded


def build_in_fork(sphinx_args: Sequence[str]) -> int:
    """One ``sphinx-build`` run in a fork of this process; its exit code."""
    pid = os.fork()
    if pid == 0:
        code = 2
        try:
            code = sphinx.cmd.build.build_main(list(sphinx_args))
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


class WarmBuilder(Builder):
    """sphinx-autobuild's Builder, running sphinx-build in a fork of the warm server instead of a new Python."""

    def __call__(self, *, changed_paths: Sequence[Path]) -> None:
        if changed_paths:
            shown = []
            for path in changed_paths[:5]:
                if path.exists():
                    shown.append(os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path))
            if shown:
                show_message(f"Detected changes ({', '.join(shown)})")
            show_message("Rebuilding...")
        if self._run_commands(self.pre_build_commands, "pre-build") != 0:
            return
        show_command(["sphinx-build (warm worker)", *self.sphinx_args])
        code = build_in_fork(self.sphinx_args)
        if code != 0:
            print(f"Sphinx exited with exit code: {code}")
            print(
                "The server keeps serving the last build, which no longer matches the sources. "
                "Fix the cause of the error above, or press Ctrl+C to stop the server."
            )
        else:
            self._run_commands(self.post_build_commands, "post-build")
        show_message(f"Serving on {self.uri}")


RELOAD_SCRIPT = "/_live-reload.js"
# sphinx-autobuild's reload script, the server's address taken from the page.
RELOAD = """const ws = new WebSocket(`ws://${location.host}/websocket-reload`);
ws.onmessage = () => window.location.reload();
"""


class ReloadScriptInjector(JavascriptInjectorMiddleware):
    """Adds ``<script src="/_live-reload.js">`` to every page where sphinx-autobuild adds the inline script."""

    def __init__(self, app, ws_url: str) -> None:
        super().__init__(app, ws_url)
        self.script = f'\n<script src="{RELOAD_SCRIPT}"></script>\n'.encode()


def _reload_script(request) -> Response:
    return Response(RELOAD, media_type="text/javascript")


_create_app = autobuild._create_app


def create_app(*args, **kwargs):
    """sphinx-autobuild's app, serving the reload script too."""
    app = _create_app(*args, **kwargs)
    app.router.routes.insert(0, Route(RELOAD_SCRIPT, _reload_script))
    return app


def main(argv: Sequence[str] = ()) -> None:
    count = preload()
    show_message(f"Warm worker: {count} modules preloaded")
    # sphinx-autobuild's main() builds with the class of this name, and makes its app with these
    autobuild.Builder = WarmBuilder
    autobuild.JavascriptInjectorMiddleware = ReloadScriptInjector
    autobuild._create_app = create_app
    autobuild.main(list(argv) or sys.argv[1:])


if __name__ == "__main__":
    main()
