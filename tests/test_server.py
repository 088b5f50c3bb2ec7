"""Serving: the Host-header guard on localhost, port checks, the private upload folder and the
folders that killed servers left."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile

import pytest

from qa.errors import QAError
from qa.ui.server import (MARKER_TEXT, UPLOADS_MARKER, LocalHostOnly, check_can_serve, host_name, is_loopback,
                          private_upload_folder, remove_abandoned_upload_folders)


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


def test_uploads_go_to_a_private_folder_removed_on_exit(monkeypatch, tmp_path):
    monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with private_upload_folder() as folder:
        assert os.environ["GRADIO_TEMP_DIR"] == str(folder) and folder.parent == tmp_path
        assert folder.stat().st_mode & 0o077 == 0  # nobody else can read what users upload
        (folder / "upload-1").mkdir()
        (folder / "upload-1" / "notes.txt").write_text("an upload")
        assert remove_abandoned_upload_folders(tmp_path) == []  # a running server's folder stays
    assert not folder.exists()


def test_a_killed_servers_upload_folder_is_removed_by_the_next_and_nothing_else(monkeypatch, tmp_path):
    server = subprocess.Popen([sys.executable, "-c", "import time\nfrom qa.ui.server import private_upload_folder\n"
                               "with private_upload_folder() as folder:\n    print(folder, flush=True)\n    time.sleep(120)"],
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(tmp_path)})
    killed = tmp_path / os.path.basename(server.stdout.readline().strip())
    (killed / "upload-1").mkdir()
    (killed / "upload-1" / "secret.txt").write_text("a user's upload")
    assert remove_abandoned_upload_folders(tmp_path) == []  # its server still runs
    server.send_signal(signal.SIGKILL)
    server.wait()
    assert killed.exists()  # a killed server cannot tidy up
    look_alikes = []
    for name, marker in [("qa-serve-uploads-mine", None), ("qa-serve-uploads-other", "qa serve\n"),
                         ("qa-serve-uploads-longer", MARKER_TEXT + "x")]:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "keep.txt").write_text("the user's own file")
        if marker is not None:
            (folder / UPLOADS_MARKER).write_text(marker)
        look_alikes.append(folder)
    target = tmp_path / "elsewhere"  # a link by the name, to a folder whose marker is right: not followed
    target.mkdir()
    (target / UPLOADS_MARKER).write_text(MARKER_TEXT)
    (tmp_path / "qa-serve-uploads-link").symlink_to(target)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with private_upload_folder() as folder:  # the next server starts
        assert not killed.exists()
        assert all((kept / "keep.txt").exists() for kept in look_alikes) and (target / UPLOADS_MARKER).exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([folder.name, "elsewhere", "qa-serve-uploads-link"]
                                                                    + [kept.name for kept in look_alikes])
