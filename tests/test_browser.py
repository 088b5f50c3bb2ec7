"""The chat in a real browser: type a question, see the marked source, upload a hostile file.

Drives Debian's headless Chromium with Playwright against `qa serve` on a free localhost port.
Skips when Chromium is missing, unless QA_REQUIRE_BROWSER=1 (CI sets it). Screenshots go to
$QA_SCREENSHOTS (default: artifacts/ in the repository).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
PAYLOAD = ("Mallory left a note. <script>window.pwned = 1</script> <img src=x onerror=\"window.pwned = 2\"> "
           "[click me](javascript:window.pwned=3) The vault code is 4242.\n")

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not CHROMIUM.exists():
        if os.environ.get("QA_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required here (QA_REQUIRE_BROWSER=1) but /usr/bin/chromium is missing")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    home = tmp_path_factory.mktemp("home")
    log = open(home / "serve.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(port)], stdout=log,
                               stderr=subprocess.STDOUT, env={**os.environ, "QA_HOME": str(home)})
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 300
    while time.time() < deadline:
        if process.poll() is not None:
            pytest.fail(f"qa serve exited: {(home / 'serve.log').read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(1)
    else:
        process.kill()
        pytest.fail("qa serve did not answer within 300 s")
    yield url
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def page(server, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=FLAGS, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(server, wait_until="load", timeout=120_000)
        page.wait_for_selector("#qa-question textarea", timeout=120_000)
        yield page
        context.close()


def screenshots() -> Path:
    folder = Path(os.environ.get("QA_SCREENSHOTS", REPO / "artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def ask(page, question: str) -> None:
    before = page.locator("#qa-chat .qa-answer, #qa-chat .qa-none, #qa-chat .qa-error").count()
    box = page.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#qa-chat .qa-answer, #qa-chat .qa-none, #qa-chat .qa-error').length > n",
        arg=before, timeout=120_000)


def test_question_typed_and_answered_with_the_source_marked(page):
    ask(page, "How many troops has Russia amassed at the Ukraine border?")
    answer = page.locator("#qa-chat .qa-short").last.inner_text()
    assert "100,000" in answer
    marked = page.locator("#qa-chat .qa-answer").last.locator("mark").first.inner_text()
    assert marked == answer
    assert page.locator("#qa-chat .qa-answer").last.locator(".qa-doc").first.inner_text().strip().endswith(".txt")
    page.screenshot(path=str(screenshots() / "chat-answer.png"), full_page=True)


def test_uploaded_html_renders_literally_and_runs_nothing(page, tmp_path):
    hostile = tmp_path / "hostile.md"
    hostile.write_text(PAYLOAD, encoding="utf-8")
    page.locator("#qa-upload input[type=file]").set_input_files(str(hostile))
    page.wait_for_function("() => document.querySelector('#qa-status').innerText.includes('Indexed 1 document')",
                           timeout=120_000)
    assert "hostile.md" in page.locator("#qa-documents").inner_text()
    ask(page, "What is the vault code?")
    reply = page.locator("#qa-chat .qa-answer, #qa-chat .qa-none").last
    reply.locator("details summary").first.click()
    text = reply.inner_text()
    assert "<script>window.pwned = 1</script>" in text
    assert "[click me](javascript:window.pwned=3)" in text
    assert page.evaluate("() => window.pwned") is None
    assert page.locator("#qa-chat script, #qa-chat img[src='x'], #qa-chat a[href^='javascript']").count() == 0
    assert page.dialogs == []
    page.screenshot(path=str(screenshots() / "chat-hostile-upload.png"), full_page=True)


def test_back_to_the_seeds_without_restarting(page):
    page.locator("#qa-reset").click()
    page.wait_for_function("() => document.querySelector('#qa-documents').innerText.includes('000_7c3df8a57b36a49b.txt')",
                           timeout=60_000)
    ask(page, "Where will negotiators meet again?")
    assert page.locator("#qa-chat .qa-short").last.inner_text() == "Berlin"
