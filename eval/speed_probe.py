"""Warm `ask` p50 over the seeds evaluation questions, or indexing throughput on SQuAD dev contexts,
in one small process, to compare two versions of the project on one machine by alternating them.

    python -m qa.eval.speed_probe ask
    python -m qa.eval.speed_probe index --squad ../shared/datasets/squad/dev.json

Another version: install it beside (`pip install --no-deps --target DIR CHECKOUT`) and run this file
with `PYTHONPATH=DIR` from a folder outside the repository, a separate `QA_HOME` for each version.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from qa.assistant import Assistant, default_assistant


def warm_ask_p50(rounds: int = 3) -> float:
    from qa.eval.seeds_eval import load_items

    assistant = default_assistant()
    assistant.warm_up()
    questions = [item.question for item in load_items()]
    for question in questions[:5]:
        assistant.ask(question)
    times = []
    for _ in range(rounds):
        for question in questions:
            start = time.perf_counter()
            assistant.ask(question)
            times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def indexing_rate(squad: Path, paragraphs: int = 600) -> tuple[int, float]:
    articles = json.loads(squad.read_text(encoding="utf-8"))["data"]
    texts = {f"{a['title']}-{n}.txt": p["context"] for a in articles for n, p in enumerate(a["paragraphs"])}
    Assistant.from_texts({"warm.txt": "A sentence that loads the encoder."})
    start = time.perf_counter()
    assistant = Assistant.from_texts(dict(list(texts.items())[:paragraphs]))
    return len(assistant.index), len(assistant.index) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["ask", "index"])
    parser.add_argument("--squad", type=Path, default=Path("../shared/datasets/squad/dev.json"))
    args = parser.parse_args()
    if args.what == "ask":
        print(json.dumps({"ask_p50_ms": round(warm_ask_p50(), 1)}))
    else:
        sentences, rate = indexing_rate(args.squad)
        print(json.dumps({"sentences": sentences, "sentences_per_s": round(rate, 1)}))


if __name__ == "__main__":
    main()
