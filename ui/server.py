"""Serving the chat and the HTTP API: port checks before any slow work, a private folder for
uploads, a Host-header guard for localhost, and the web framework's direct-call routes closed.

Uploads pass through the web framework's upload folder. It is pointed at a folder private to
this process (mode 700), created at start and removed on exit; the chat deletes each upload
as soon as it has read it. While the server runs it holds a lock on a marker file in that
folder; a server that was killed cannot remove its folder, so the next one removes the folders
whose marker says this project made them and whose lock nobody holds.

Bound to a loopback address, the server answers only requests whose Host header names the
local machine, so a web page elsewhere cannot reach it through DNS rebinding (unless `--share`
asked for a public link, whose requests name that link).

The web framework also runs a chat event for any program that posts to its direct-call routes
(`/gradio_api/run/...`, `/gradio_api/call/...`), without a browser session: such a call could
not be told apart from another and would share their conversation. Those routes are closed;
programs use the stateless `POST /api/ask` (`ui.http_api`).
"""

from __future__ import annotations

import fcntl
import ipaddress
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa.errors import QAError
from qa.index.folders import is_locked

LOCAL_NAMES = {"localhost", "127.0.0.1", "::1"}
DIRECT_CALLS = ("/gradio_api/run/", "/gradio_api/call/", "/gradio_api/api/")  # run an event with no browser session
UPLOADS_PREFIX = "qa-serve-uploads-"
UPLOADS_MARKER = ".qa-serve-uploads"
MARKER_TEXT = "qa serve: the upload folder of a running server; removed once no server holds this file's lock\n"


def check_can_serve(host: str, port: int) -> None:
    """QAError now, in one line, if `host:port` cannot be bound (unknown host, port taken or not allowed)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError):
        raise QAError(f"cannot serve on {host}: not an address or host name of this machine; try --host 127.0.0.1") from None
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.bind(address)
    except OSError as error:
        raise QAError(f"cannot serve on {host}:{port} ({error.strerror or error}); pick another port with --port") from None


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def host_name(header: str) -> str:
    """The name in a Host header, without its port ("[::1]:7860" -> "::1")."""
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class LocalHostOnly:
    """ASGI middleware: 421 Misdirected Request for HTTP or WebSocket requests naming another host."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = dict(scope.get("headers") or [])
            name = host_name(headers.get(b"host", b"").decode("latin-1")).lower()
            if name not in LOCAL_NAMES:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                body = b"This server answers only requests addressed to localhost.\n"
                await send({"type": "http.response.start", "status": 421,
                            "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class ClosedDirectCalls:
    """ASGI middleware: 404, in JSON naming `POST /api/ask`, for the web framework's direct-call routes."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith(DIRECT_CALLS):
            body = json.dumps({"error": "the chat's events cannot be called directly; programs ask with POST /api/ask "
                                        '(JSON {"question": "..."})'}).encode()
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


@contextmanager
def private_upload_folder() -> Iterator[Path]:
    """A fresh folder only this user can read, made the web framework's upload folder (before it is
    imported) and marked as this server's while it runs; removed, with what is in it, on exit.
    Folders left by servers that were killed go first."""
    remove_abandoned_upload_folders()
    folder = Path(tempfile.mkdtemp(prefix=UPLOADS_PREFIX))
    try:
        marker = os.open(folder / UPLOADS_MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            fcntl.flock(marker, fcntl.LOCK_EX)  # held until the server stops (or is killed)
            os.write(marker, MARKER_TEXT.encode())
            os.environ["GRADIO_TEMP_DIR"] = str(folder)
            yield folder
        finally:
            os.close(marker)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_abandoned_upload_folders(parent: Path | None = None) -> list[Path]:
    """Remove the upload folders that servers of this user left in `parent` (default: the temporary
    folder) when they were killed; return them. A folder goes only when its marker proves a server
    made it and no running server holds the marker's lock; anything else is left alone."""
    removed = []
    for folder in Path(parent or tempfile.gettempdir()).glob(UPLOADS_PREFIX + "*"):
        if _abandoned(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _abandoned(folder: Path) -> bool:
    marker = folder / UPLOADS_MARKER
    try:
        if folder.is_symlink() or not folder.is_dir() or folder.lstat().st_uid != os.getuid():
            return False
        if marker.is_symlink() or not marker.is_file() or marker.stat().st_size != len(MARKER_TEXT.encode()):
            return False
        return marker.read_bytes() == MARKER_TEXT.encode() and not is_locked(marker)
    except OSError:
        return False


def _interrupt(*_signal) -> None:
    raise KeyboardInterrupt


def launch(host: str, port: int, share: bool = False):
    """Start the chat and the HTTP API on `host:port` in background threads; return the running app
    (its `close()` stops it). The chat's corpus is `chat.home_assistant()`."""
    import gradio as gr
    from starlette.middleware import Middleware

    from qa.ui import chat, http_api

    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    middleware = [Middleware(ClosedDirectCalls)]
    if is_loopback(host) and not share:  # a share link is another name
        middleware.insert(0, Middleware(LocalHostOnly))
    app = chat.build_app().queue()
    try:
        app.launch(server_name=host, server_port=port, share=share, theme=theme, css=chat.CSS, js=chat.COPY_AS_TEXT,
                   max_file_size=chat.MAX_UPLOAD_BYTES, show_error=False, footer_links=[], quiet=True,
                   prevent_thread_lock=True, i18n=gr.I18n(en=chat.LABELS),
                   app_kwargs={"middleware": middleware, "routes": http_api.routes(chat.home_assistant)})
    except OSError as error:
        raise QAError(f"cannot serve on {host}:{port} ({error}); pick another port with --port") from None
    return app


def serve(index_dir: Path | None = None, host: str = "127.0.0.1", port: int = 7860, share: bool = False) -> None:
    """Warm the models, then serve the chat until interrupted; the upload folder goes with it."""
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the server as Ctrl+C does, tidying up
    with private_upload_folder():
        from qa.ui import chat

        chat._served_index = index_dir
        print("qa serve: loading the models...", file=sys.stderr, flush=True)
        chat.home_assistant().warm_up()
        app = launch(host, port, share)
        shared = f" and {app.share_url}" if share and app.share_url else ""
        print(f"qa serve: the chat is at http://{host}:{port}/{shared} and answers programs at "
              f"POST http://{host}:{port}/api/ask (Ctrl+C stops it)", file=sys.stderr, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("qa serve: stopped", file=sys.stderr, flush=True)
        finally:
            app.close()
