"""The relative-date evaluation set (`dates_eval.jsonl`): sentences from documents of known dates
(weekdays either side of the date, month and year boundaries, a leap day, ranges) and undated ones.

Figures (percent): relative dates resolved to exactly the expected day or range, and undated
documents whose dates are left alone (never resolved). `qa eval` reports them with the seeds figures.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from qa.dates import find_relative, resolve_answer

DATES_SET = Path(__file__).parent / "dates_eval.jsonl"


def evaluate_dates(path: Path = DATES_SET) -> dict:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    dated, undated, wrong = [], [], []
    for item in items:
        found = find_relative(item["sentence"])
        resolved = resolve_answer(found.group(), item["sentence"], item["anchor"]) if found else None
        got = [resolved.start.isoformat(), resolved.end.isoformat()] if resolved else None
        (dated if item["anchor"] else undated).append(got == item["expected"])
        if got != item["expected"]:
            wrong.append({"id": item["id"], "sentence": item["sentence"], "anchor": item["anchor"], "expected": item["expected"], "got": got})
    return {"dates_resolved": round(100 * sum(dated) / len(dated), 1),
            "undated_left_alone": round(100 * sum(undated) / len(undated), 1), "wrong": wrong}


def parsedatetime_share(path: Path = DATES_SET) -> float:
    """The dated cases parsedatetime (Apache-2.0) resolves right, given the same expressions and the
    same ranges by period, for the comparison of libraries (`pip install parsedatetime`)."""
    import parsedatetime

    from qa.dates import _range

    calendar = parsedatetime.Calendar(version=parsedatetime.VERSION_CONTEXT_STYLE)
    periods = {1: "year", 2: "month", 4: "week"}
    right, dated = 0, 0
    for item in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()):
        found = find_relative(item["sentence"])
        if not item["anchor"] or not found:
            continue
        dated += 1
        anchor = dt.datetime.fromisoformat(item["anchor"])
        when, context = calendar.parseDT(found.group(), sourceTime=anchor)
        if context.hasDateOrTime:
            start, end, _ = _range(when.date(), periods.get(context.accuracy, "day"))
            right += [start.isoformat(), end.isoformat()] == item["expected"]
    return round(100 * right / dated, 1)


if __name__ == "__main__":
    report = evaluate_dates()
    try:
        report["parsedatetime_resolved"] = parsedatetime_share()
    except ImportError:
        pass
    print(json.dumps(report, indent=2))
