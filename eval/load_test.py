"""A bounded load test of `qa serve` on localhost (prints figures; asserts nothing about time).

    python -m qa.eval.load_test [--askers 3] [--uploads 50]

1. `qa serve` starts on a free localhost port (seeds index built in a temporary QA_HOME).
2. Quiet: each of ASKERS browser sessions asks the seeds evaluation questions; latency p50/p95.
3. Under an upload: one session uploads a large document (close to a tab's sentence limit)
   while the askers keep asking; their latency while it indexes, and the upload's own time.
4. Under worst-case uploads: one session uploads, in turn, files just under the 5 MB limit built
   to cost the most (millions of one-word lines, HTML of a million tags, dense prose) while the
   askers keep asking; their latency, and what each upload was told.
5. Memory: UPLOADS sessions each upload a document and close (as a tab does); the server's
   resident memory before and after.
Every request goes to 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from qa.eval.benchmark import percentile
from qa.eval.seeds_eval import load_items
from qa.ui.chat import MAX_SESSION_SENTENCES

SERVER_START_SECONDS = 600
PHASE_SECONDS = 300
UNLOAD_SECONDS = 20  # the web framework checks a session's heartbeat every 15 s


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def start_server(home: Path) -> tuple[subprocess.Popen, str]:
    """`qa serve` on a free localhost port, answering: the process and its URL. Its index, log
    (serve.log) and private upload folder live in `home`; RuntimeError if it does not start."""
    port = free_port()
    with open(home / "serve.log", "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(port)], stdout=log,
                                  stderr=subprocess.STDOUT, env={**os.environ, "QA_HOME": str(home), "TMPDIR": str(home)})
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=2)
            return server, url
        except OSError:
            time.sleep(1)
    server.kill()
    raise RuntimeError(f"qa serve did not start: {(home / 'serve.log').read_text()[-2000:]}")


def client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False)


def document(path: Path, sentences: int, tag: str) -> Path:
    lines = [f"Report {tag} line {n}: the depot in sector {n % 97} shipped {n * 7} crates on day {n % 31}."
             for n in range(sentences)]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def worst_cases(folder: Path) -> list[Path]:
    """Files just under the upload limit, each built to cost the most work of its kind."""
    lines = folder / "one-word-lines.txt"
    lines.write_text("One real sentence is here.\n" + "word\n" * 980_000, encoding="utf-8")
    tags = folder / "million-tags.html"
    tags.write_text("<html><body><p>" + "<b>x</b> " * 540_000 + "</p></body></html>", encoding="utf-8")
    prose = folder / "dense-prose.txt"
    sentence = "The depot in sector nine shipped seven crates of grain on the third day. "
    prose.write_text(sentence * (4_900_000 // len(sentence)), encoding="utf-8")
    return [lines, tags, prose]


def ask_until(url: str, questions: list[str], stop: threading.Event, latencies: list[float], errors: list[str],
              limit: int) -> None:
    """One session asking questions in turn until `stop` is set or `limit` questions are asked."""
    session = client(url)
    try:
        for n in range(limit):
            if stop.is_set():
                break
            started = time.perf_counter()
            try:
                session.predict(questions[n % len(questions)], api_name="/respond")
                latencies.append(time.perf_counter() - started)
            except Exception as error:  # a failed request is a figure, not a crash of the test
                errors.append(type(error).__name__)
    finally:
        session.close()


def run_askers(url: str, questions: list[str], askers: int, stop: threading.Event, limit: int) -> tuple[list[float], list[str], list[threading.Thread]]:
    latencies, errors = [], []
    threads = [threading.Thread(target=ask_until, args=(url, questions, stop, latencies, errors, limit)) for _ in range(askers)]
    for thread in threads:
        thread.start()
    return latencies, errors, threads


def upload(url: str, path: Path) -> tuple[float, str]:
    from gradio_client import handle_file

    session = client(url)
    try:
        started = time.perf_counter()
        status, _ = session.predict([handle_file(str(path))], api_name="/upload")
        return time.perf_counter() - started, status
    finally:
        session.close()


def summary(latencies: list[float]) -> str:
    if not latencies:
        return "no answers"
    return (f"{len(latencies)} answers, p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--askers", type=int, default=3)
    parser.add_argument("--uploads", type=int, default=50)
    parser.add_argument("--upload-sentences", type=int, default=200, help="sentences in each memory-test upload")
    args = parser.parse_args()
    questions = [item.question for item in load_items()]
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        server, url = start_server(home)
        try:
            quiet, errors, threads = run_askers(url, questions, args.askers, threading.Event(), len(questions))
            for thread in threads:
                thread.join(PHASE_SECONDS)
            print(f"quiet, {args.askers} sessions asking: {summary(quiet)}; errors {len(errors)}")

            stop = threading.Event()
            busy, errors, threads = run_askers(url, questions, args.askers, stop, 10_000)
            time.sleep(1)
            big = document(home / "big.txt", MAX_SESSION_SENTENCES - 10, "big")
            seconds, status = upload(url, big)
            stop.set()
            for thread in threads:
                thread.join(PHASE_SECONDS)
            print(f"one session uploading {big.stat().st_size / 1e3:.0f} kB ({MAX_SESSION_SENTENCES - 10} sentences): "
                  f"indexed in {seconds:.1f} s ({'added' if 'Added' in status else status[:80]})")
            print(f"  meanwhile, {args.askers} sessions asking: {summary(busy)}; errors {len(errors)}")

            stop = threading.Event()
            busy, errors, threads = run_askers(url, questions, args.askers, stop, 10_000)
            time.sleep(1)
            for path in worst_cases(home):
                seconds, status = upload(url, path)
                print(f"worst case {path.name} ({path.stat().st_size / 1e6:.1f} MB): answered in {seconds:.1f} s: "
                      f"{status[:140]}")
            stop.set()
            for thread in threads:
                thread.join(PHASE_SECONDS)
            print(f"  meanwhile, {args.askers} sessions asking: {summary(busy)}; errors {len(errors)}")

            before = resident_mb(server.pid)
            for n in range(args.uploads):
                _, status = upload(url, document(home / f"u{n}.txt", args.upload_sentences, f"u{n}"))
                if "Added" not in status:
                    print(f"  upload {n} was not added: {status[:120]}")
            time.sleep(UNLOAD_SECONDS)  # a closed session's unload runs once the server's next heartbeat finds it gone
            after = resident_mb(server.pid)
            print(f"memory: {before:.0f} MB before {args.uploads} uploads ({args.upload_sentences} sentences each, "
                  f"one closed session each), {after:.0f} MB after: {after - before:+.0f} MB")
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
