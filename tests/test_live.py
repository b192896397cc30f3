"""`make live` (scripts/live.py): a saved edit shows in the browser without a reload by hand, under the
site's Content-Security-Policy, and a build that fails does not stop the server. (How fast: make bench,
scripts/loop_timings.py.)"""

from conftest import copy_project
from scripts.loop_timings import live_server

PAGE = "safety/pneumothorax"


def _wait_for_log(page, log, text: str, times: int = 1) -> None:
    for _ in range(600):
        if log.read_text().count(text) >= times:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{text!r} not in the log:\n{log.read_text()[-3000:]}")


def test_make_live_shows_a_saved_edit_in_the_browser(tmp_path, page):
    project = copy_project(tmp_path / "project")
    source = project / "docs" / f"{PAGE}.md"
    text = source.read_text(encoding="utf-8")
    blocked = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security" in message.text else None)
    with live_server(project) as address:
        page.goto(f"{address}/{PAGE}.html")
        assert "A sentence saved while the page is open." not in page.content()
        page.wait_for_timeout(500)  # its reload socket connected
        source.write_text(text + "\nA sentence saved while the page is open.\n", encoding="utf-8")
        page.get_by_text("A sentence saved while the page is open.").wait_for(timeout=60_000)

        log = project / "live.log"
        source.write_text(text + "\nA link to {doc}`/no/such/page`.\n", encoding="utf-8")  # fails the strict build
        _wait_for_log(page, log, "Sphinx exited with exit code: 1")
        source.write_text(text + "\nA second sentence, saved after the fix.\n", encoding="utf-8")
        page.get_by_text("A second sentence, saved after the fix.").wait_for(timeout=60_000)
    assert blocked == []  # the reload script runs under the site's policy
