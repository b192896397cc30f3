"""Each page's history: at its foot, when its source file last changed (from git); at its top, when its
review is older than the review interval, a "review due" notice.

- The last change is the date of the newest commit that touched the page's source file, read with one
  ``git log`` for the whole tree per build. Where there is no git (a copy of one commit, as
  ``make versions`` builds it), the date of that commit, ``TPI_COMMIT_DATE``, is an upper bound and is
  shown as "Last changed on or before".
- The review interval is ``tpi_review_interval_months`` in ``conf.py`` (default 24). A page is due when
  its ``reviewed`` date plus the interval is before the build date: ``SOURCE_DATE_EPOCH`` (the Makefile
  sets it to the last commit's time, so a build is reproducible) or today.
"""

import calendar
import datetime as dt
import os
import subprocess
from pathlib import Path

from sphinx.application import Sphinx

DEFAULT_INTERVAL_MONTHS = 24


def build_date(environ=os.environ) -> dt.date:
    epoch = environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date() if epoch else dt.date.today()


def add_months(date: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day where it has no such day."""
    year, month = divmod(date.month - 1 + months, 12)
    year, month = date.year + year, month + 1
    return date.replace(year=year, month=month, day=min(date.day, calendar.monthrange(year, month)[1]))


def review_due(reviewed: dt.date, today: dt.date, months: int) -> bool:
    return add_months(reviewed, months) < today


def last_changes(folder: Path) -> dict[str, dt.date]:
    """Path (relative to ``folder``) to the date of the newest commit that changed it; {} without git."""
    try:
        log = subprocess.run(
            ["git", "log", "--format=>%cs", "--name-only", "--relative", "--", "."],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    changes, date = {}, None
    for line in log.splitlines():
        if line.startswith(">"):
            date = dt.date.fromisoformat(line[1:])
        elif line and date:
            changes.setdefault(line, date)  # newest first: keep the first date seen
    return changes


def page_history(app: Sphinx, docname: str, meta: dict) -> dict:
    """What the page template shows: {"changed": "Last changed 2026-11-26", "due": "Review due: ..."}."""
    changes = app.env.tpi_last_changes
    source = Path(app.env.doc2path(docname)).relative_to(app.srcdir).as_posix()
    history = {"changed": None, "due": None}
    if source in changes:
        history["changed"] = f"Last changed {changes[source].isoformat()}"
    elif commit_date := os.environ.get("TPI_COMMIT_DATE"):
        history["changed"] = f"Last changed on or before {commit_date[:10]}"
    months = app.config.tpi_review_interval_months
    reviewed = meta.get("reviewed")
    if reviewed and review_due(dt.date.fromisoformat(str(reviewed)), build_date(), months):
        history["due"] = f"Review due: last checked {reviewed}, more than {months} months ago"
    return history


def read_history(app: Sphinx) -> None:
    app.env.tpi_last_changes = last_changes(Path(app.srcdir))


def add_history_to_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    context["page_history"] = page_history(app, pagename, app.env.metadata.get(pagename, {})) if doctree else None


def setup(app: Sphinx) -> None:
    app.add_config_value("tpi_review_interval_months", DEFAULT_INTERVAL_MONTHS, "html", int)
    app.connect("builder-inited", read_history)
    app.connect("html-page-context", add_history_to_context)
