"""The chat in a real browser: type a question, see the marked source, upload a hostile file,
and the controls that change what is searched (upload while answering, ×, clear, back to the seeds).

Drives Debian's headless Chromium with Playwright against `qa serve` on a free localhost port.
Skips when Chromium is missing, unless QA_REQUIRE_BROWSER=1 (CI sets it). Screenshots go to
$QA_SCREENSHOTS (default: artifacts/ in the repository).
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from types import SimpleNamespace

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
    from qa.eval.load_test import start_server

    home = tmp_path_factory.mktemp("home")  # the server's index, log and private upload folder
    try:
        process, url = start_server(home)
    except RuntimeError as error:
        pytest.fail(str(error))
    said = (home / "serve.log").read_text()
    assert "opening the seeds index" in said and "loading the models" in said  # it says what it is doing
    yield SimpleNamespace(url=url, tmp=home)
    process.terminate()
    process.wait(timeout=30)
    assert not list(home.glob("qa-serve-uploads-*")), "the upload folder outlived the server"


@pytest.fixture(scope="module")
def page(server, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=FLAGS, viewport={"width": 1280, "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url.rstrip("/"))
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(server.url, wait_until="load", timeout=120_000)
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
    assert page.locator("#qa-chat .qa-answer").last.locator(".qa-doc").first.inner_text().strip().endswith(".txt)")
    page.screenshot(path=str(screenshots() / "chat-answer.png"), full_page=True)


def test_copy_gives_plain_text_and_a_long_reply_shows_from_its_top(page):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    ask(page, "What did Zelenskyy thank Biden for?")
    reply = page.locator("#qa-chat .qa-answer, #qa-chat .qa-none").last
    in_view = """() => {  // the reply's top in the upper half of the chat box: the chat scrolls there just after it renders
      const replies = document.querySelectorAll('#qa-chat .qa-answer, #qa-chat .qa-none');
      const top = replies[replies.length - 1].getBoundingClientRect().top;
      const box = document.querySelector('#qa-chat').getBoundingClientRect();
      return box.top - 5 <= top && top <= box.top + box.height / 2;
    }"""
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(in_view, timeout=10_000)  # then the assertion below says where it is
    chat_box = page.locator("#qa-chat").bounding_box()
    top = reply.bounding_box()["y"]
    assert chat_box["y"] - 5 <= top <= chat_box["y"] + chat_box["height"] / 2, (top, chat_box)  # its answer is in view
    page.locator("#qa-chat button[aria-label='Copy message']").last.click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "<" not in copied and "&#" not in copied and "class=" not in copied, copied
    shown = reply.locator(".qa-short, strong").first.inner_text()
    assert copied.startswith(shown) and "Source: " in copied and "likely right" in copied, copied


def test_an_empty_box_sends_nothing(page):
    before = page.locator("#qa-chat .message-row, #qa-chat [class*=message]").count()
    page.locator("#qa-question textarea").fill("   ")
    page.locator("#qa-question textarea").press("Enter")
    page.wait_for_timeout(3000)
    assert page.locator("#qa-chat .message-row, #qa-chat [class*=message]").count() == before


def upload(page, *paths) -> str:
    """Upload files, wait for the status line to change, and return it."""
    before = page.locator("#qa-status").inner_text()
    page.locator("#qa-upload input[type=file]").set_input_files([str(p) for p in paths])
    page.wait_for_function("b => { const t = document.querySelector('#qa-status').innerText;"
                           " return t !== b && /added/i.test(t) && !/\\d\\.\\ds/.test(t); }", arg=before, timeout=120_000)
    return page.locator("#qa-status").inner_text()


def test_uploaded_html_renders_literally_and_runs_nothing(page, server, tmp_path):
    hostile = tmp_path / "hostile.md"
    hostile.write_text(PAYLOAD, encoding="utf-8")
    assert "Russia" in page.locator("#qa-examples").inner_text()  # examples about the seeds, while they are searched
    assert "Added hostile.md" in upload(page, hostile)
    assert "hostile.md" in page.locator("#qa-documents").inner_text()
    page.wait_for_function("() => !document.querySelector('#qa-examples') || !document.querySelector('#qa-examples').offsetParent",
                           timeout=30_000)  # ...and not once the tab searches its own
    (folder,) = server.tmp.glob("qa-serve-uploads-*")
    assert folder.stat().st_mode & 0o077 == 0
    assert not list(folder.rglob("hostile.md")), "the upload was kept after it was read"
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


def test_back_to_the_seeds_empties_the_file_list(page):
    page.locator("#qa-reset").click()
    page.wait_for_function("() => document.querySelector('#qa-documents').innerText.includes('000_7c3df8a57b36a49b.txt')",
                           timeout=60_000)
    assert page.locator("#qa-upload button[aria-label='Remove this file']").count() == 0
    page.wait_for_function("() => document.querySelector('#qa-examples')?.offsetParent", timeout=30_000)
    ask(page, "Where will negotiators meet again?")
    assert page.locator("#qa-chat .qa-short").last.inner_text() == "Berlin"


def test_an_upload_during_an_answer_is_kept_and_searched(page, tmp_path):
    notes = tmp_path / "lighthouse.txt"
    notes.write_text("Keeper's log\nThe lighthouse keeper is named Ingrid Solberg.\n", encoding="utf-8")
    box = page.locator("#qa-question textarea")
    box.fill("How many troops has Russia amassed at the Ukraine border?")
    box.press("Enter")  # the answer comes back after the upload has finished
    status = upload(page, notes)
    page.wait_for_function("() => !document.querySelector('#qa-chat .pending, #qa-chat .generating')", timeout=120_000)
    assert "Added lighthouse.txt" in status
    page.wait_for_timeout(1000)
    assert "Keeper's log" in page.locator("#qa-documents").inner_text()
    ask(page, "Who is the lighthouse keeper?")
    assert page.locator("#qa-chat .qa-short").last.inner_text() == "Ingrid Solberg"


def test_a_pdf_is_answered_from_with_its_page(page, tmp_path):
    from conftest import make_pdf

    report = tmp_path / "port-report.pdf"
    report.write_bytes(make_pdf([["Annual report of the port authority.", "Ships arrived all year."],
                                 ["The harbour pilot is named Tomas Berg.", "He joined in March."]]))
    assert "Added port-report.pdf" in upload(page, report)
    ask(page, "Who is the harbour pilot?")
    reply = page.locator("#qa-chat .qa-answer").last
    assert reply.locator(".qa-short").inner_text() == "Tomas Berg"
    assert "page 2" in reply.locator(".qa-doc").first.inner_text()


def test_removing_a_file_with_x_stops_searching_it_and_other_types_get_a_message(page, tmp_path):
    tool = tmp_path / "tool.exe"
    tool.write_bytes(b"MZ not a document")
    from qa.index.readers import SUFFIXES

    assert f"tool.exe: only {' '.join(SUFFIXES)} files can be searched" in upload(page, tool)
    page.locator("#qa-upload button[aria-label='Remove this file']").first.click()  # lighthouse.txt
    page.wait_for_function("() => document.querySelector('#qa-status').innerText.includes('Removed lighthouse.txt')",
                           timeout=60_000)
    assert "lighthouse" not in page.locator("#qa-documents").inner_text()
    ask(page, "Who is the lighthouse keeper?")
    assert page.locator("#qa-chat .qa-none, #qa-chat .qa-answer").last.inner_text().count("Ingrid") == 0


def test_clearing_the_conversation_is_for_good(page):
    page.locator("#qa-chat button[aria-label='Clear']").first.click()
    page.wait_for_function("() => document.querySelectorAll('#qa-chat .qa-answer, #qa-chat .qa-none').length === 0",
                           timeout=30_000)
    ask(page, "Where will negotiators meet again?")
    assert page.locator("#qa-chat .qa-answer, #qa-chat .qa-none, #qa-chat .qa-error").count() == 1


def test_on_a_phone_the_upload_box_is_near_the_top(page):
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        page.wait_for_timeout(500)
        assert page.locator("#qa-upload").bounding_box()["y"] < 844, "the upload box is below the first screen"
        page.screenshot(path=str(screenshots() / "chat-phone.png"), full_page=False)
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_a_long_file_name_is_shown_whole(page, tmp_path):
    name = "falcon-programme-quarterly-board-minutes-march.txt"
    (tmp_path / name).write_text("The board approved the falcon programme budget.\n", encoding="utf-8")
    upload(page, tmp_path / name)
    listed = page.locator("#qa-upload .filename").last.inner_text().replace("\n", "")
    assert name.removesuffix(".txt") in listed, listed


def test_every_button_says_what_it_does(page):
    labels = page.evaluate("""() => [...document.querySelectorAll('button, [role=button]')]
        .filter(b => b.offsetParent !== null)
        .map(b => (b.innerText.trim() || b.getAttribute('aria-label') || b.getAttribute('title') || '').trim())""")
    assert labels and all(labels), labels
    assert not [label for label in labels if re.fullmatch(r"[a-z_]+\.[a-z_]+", label)], labels
