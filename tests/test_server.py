"""Serving: the Host-header guard on localhost, port checks, the private upload folder."""

import asyncio
import os
import socket

import pytest

from qa.errors import QAError
from qa.ui.server import LocalHostOnly, check_can_serve, host_name, is_loopback, private_upload_folder


def call(middleware: LocalHostOnly, host: bytes, kind: str = "http") -> list[dict]:
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    scope = {"type": kind, "headers": [(b"host", host)] if host is not None else []}
    asyncio.run(middleware(scope, receive, send))
    return sent


@pytest.mark.parametrize("host, allowed", [
    (b"127.0.0.1:7860", True), (b"localhost:7860", True), (b"LOCALHOST", True), (b"[::1]:7860", True),
    (b"attacker.example:7860", False), (b"localhost.attacker.example", False), (b"127.0.0.1.nip.io", False),
    (b"", False), (None, False),
])
def test_only_requests_naming_this_machine_reach_the_app(host, allowed):
    reached = []

    async def app(scope, receive, send):
        reached.append(scope)

    sent = call(LocalHostOnly(app), host)
    assert bool(reached) == allowed
    if not allowed:
        assert sent[0]["status"] == 421
        assert call(LocalHostOnly(app), host, kind="websocket")[0]["type"] == "websocket.close"


def test_host_names_and_loopback():
    assert host_name("[::1]:7860") == "::1" and host_name("example.org:80") == "example.org" and host_name("::1") == "::1"
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")


def test_a_taken_port_is_refused_in_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(QAError, match="pick another port"):
            check_can_serve("127.0.0.1", taken.getsockname()[1])


def test_uploads_go_to_a_private_folder(monkeypatch):
    monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)
    folder = private_upload_folder()
    try:
        assert os.environ["GRADIO_TEMP_DIR"] == str(folder)
        assert folder.stat().st_mode & 0o077 == 0  # nobody else can read what users upload
    finally:
        folder.rmdir()
