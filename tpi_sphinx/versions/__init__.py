"""Every version online: ``make versions`` builds each release in ``releases.toml`` and main into one site.

One module a job:

- ``manifest``: the versions to build: the releases in ``releases.toml`` and main (named and labelled
  ``dev``), with their commits and dates.
- ``build``: sphinx-polyversion's driver: each version is checked out on its own (a copy without ``.git``)
  and built there by its own Makefile, with its own ``conf.py``, requirements and virtual environment; the
  commit's metadata is passed in environment variables; a version that fails to build fails the run.
- ``site``: once every version is built, the version switcher and the banner of old and dev versions are
  put into every page from one Jinja template (``templates/versions.html``), with a stylesheet; the root
  ``index.html`` redirects to the latest release and ``versions.json`` lists the versions.

Run by ``make versions`` (``python -m tpi_sphinx.versions``, see ``__main__``). This package is not a
Sphinx extension: it works on the built sites, so that releases that predate it get the switcher too.
"""
