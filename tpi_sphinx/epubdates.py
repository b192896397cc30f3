"""The EPUB's archive dated by the commit, not by the clock, so that two builds of one commit give the same file.

Sphinx's EPUB builder zips the files it wrote with ``ZipFile.write``, which dates each entry with the file's
modification time: the time of the build. After the build, ``date_the_epub`` writes the archive again, each
entry in the same order, with the same bytes and compression (the ``mimetype`` first and stored, as the EPUB
standard requires), dated ``SOURCE_DATE_EPOCH`` (the Makefile sets it to the last commit's time). Without it
set, the archive is left as Sphinx wrote it.
"""

import copy
import os
import time
from pathlib import Path
from zipfile import ZipFile

from sphinx.application import Sphinx

ZIP_EPOCH = 315532800  # 1980-01-01: the earliest time a zip entry can carry


def redate(archive: Path, seconds: int) -> None:
    """Date every entry of the zip file ``archive`` at ``seconds`` (since 1970, UTC), nothing else changed."""
    date_time = time.gmtime(max(seconds, ZIP_EPOCH))[:6]
    part = archive.with_name(archive.name + ".part")
    with ZipFile(archive) as old, ZipFile(part, "w") as new:
        for entry in old.infolist():
            dated = copy.copy(entry)
            dated.date_time = date_time
            new.writestr(dated, old.read(entry))  # the entry's own compression
    os.replace(part, archive)


def date_the_epub(app: Sphinx, exception: Exception | None) -> None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if exception is None and app.builder.name == "epub" and epoch:
        redate(Path(app.outdir) / f"{app.config.epub_basename}.epub", int(epoch))


def setup(app: Sphinx) -> None:
    app.connect("build-finished", date_the_epub)
