"""Serving the chat: port checks before any slow work, a private folder for uploads, and a
Host-header guard for localhost.

Uploads pass through the web framework's upload folder. It is pointed at a folder private to
this process (mode 700), created at start and removed on exit; the chat deletes each upload
as soon as it has read it. Bound to a loopback address, the server answers only requests
whose Host header names the local machine, so a web page elsewhere cannot reach it through
DNS rebinding (unless `--share` asked for a public link, whose requests name that link).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

from qa.errors import QAError

LOCAL_NAMES = {"localhost", "127.0.0.1", "::1"}


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


def private_upload_folder() -> Path:
    """A fresh folder only this user can read, made the web framework's upload folder (before it is imported)."""
    folder = Path(tempfile.mkdtemp(prefix="qa-serve-uploads-"))
    os.environ["GRADIO_TEMP_DIR"] = str(folder)
    return folder


def _interrupt(*_signal) -> None:
    raise KeyboardInterrupt


def serve(index_dir: Path | None = None, host: str = "127.0.0.1", port: int = 7860, share: bool = False) -> None:
    """Warm the models, then serve the chat until interrupted; the upload folder goes with it."""
    uploads = private_upload_folder()
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the server as Ctrl+C does, tidying up
    try:
        import gradio as gr
        from starlette.middleware import Middleware

        from qa.ui import chat

        chat._served_index = index_dir
        print("qa serve: loading the models...", file=sys.stderr, flush=True)
        chat.home_assistant().warm_up()
        theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
        middleware = [Middleware(LocalHostOnly)] if is_loopback(host) and not share else []  # a share link is another name
        app = chat.build_app().queue()
        try:
            app.launch(server_name=host, server_port=port, share=share, theme=theme, css=chat.CSS, js=chat.COPY_AS_TEXT,
                       max_file_size=chat.MAX_UPLOAD_BYTES, show_error=False, footer_links=[], quiet=True,
                       prevent_thread_lock=True, app_kwargs={"middleware": middleware}, i18n=gr.I18n(en=chat.LABELS))
        except OSError as error:
            raise QAError(f"cannot serve on {host}:{port} ({error}); pick another port with --port") from None
        shared = f" and {app.share_url}" if share and app.share_url else ""
        print(f"qa serve: the chat is at http://{host}:{port}/{shared} (Ctrl+C stops it)", file=sys.stderr, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("qa serve: stopped", file=sys.stderr, flush=True)
        finally:
            app.close()
    finally:
        shutil.rmtree(uploads, ignore_errors=True)
