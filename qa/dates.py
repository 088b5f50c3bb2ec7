"""Relative dates in answers ("next month", "on Thursday", "in two weeks"), resolved against the date
of the document they come from.

dateparser (BSD-3) parses the expression and says its period (day, week, month, year); it was
chosen over parsedatetime by eval/dates_eval.jsonl (docs/measurements.md). Our code decides only
the anchor (the document's date; an undated document is never resolved) and which way a bare
weekday or month points: ahead when the sentence speaks of what will or could happen, back
otherwise ("Zelenskyy tweeted on Thursday", "Russia could invade in February").
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import warnings
from functools import lru_cache

from pydantic import BaseModel

_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(?:January|February|March|April|June|July|August|September|October|November|December)"  # "May": below
_NUMBER = r"(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|several)"
_UNIT = r"(?:day|week|month|year)s?"
RELATIVE = re.compile(
    rf"\b(?:(?i:next|last|this|coming|past)\s+(?i:week|month|year|weekend)"
    rf"|(?<!every )(?<!each )(?:(?i:next|last|this|on)\s+)?{_WEEKDAY}(?!s)"
    rf"|(?i:yesterday|today|tomorrow|tonight)"
    rf"|(?i:in|within)\s+(?i:{_NUMBER})\s+(?i:{_UNIT})"
    rf"|(?i:{_NUMBER})\s+(?i:{_UNIT})\s+(?i:ago)"
    rf"|(?:(?:(?i:in|next|last|this|early|late|mid-?)\s+)?{_MONTH}|(?i:in|next|last|this|early|late|mid-?)\s+May|May(?=\s+\d))"
    rf"(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?!\s*\d)(?!,?\s+\d{{4}}))\b")
_FUTURE = re.compile(r"\b(?:will|would|could|may|might|shall|going to|due|expected|plans?|planned|scheduled|next|"
                     r"upcoming|coming|later|until|by|intends?|aims?|set to|to be held|could come)\b", re.IGNORECASE)
_LEADING = re.compile(rf"^(?i:on|in|early|late|mid-?)\s+(?={_WEEKDAY}|{_MONTH}|May)")


class ResolvedDate(BaseModel):
    """What a relative date in an answer stands for: from `start` to `end` (the same day for a day),
    found by reading `text` against `anchor`, the date of its document."""

    text: str
    start: dt.date
    end: dt.date
    label: str
    anchor: dt.date
    anchor_source: str = "the document's date"


def resolve_answer(answer: str, sentence: str, document_date: str | None,
                   date_source: str | None = None) -> ResolvedDate | None:
    """The first relative date in an answer, resolved against its document's date (YYYY-MM-DD,
    found as `date_source` says); None when the document is undated or the answer holds no such date."""
    found = find_relative(answer) if document_date else None
    anchor = _date(document_date) if found else None
    resolved = resolve(found.group(), anchor, sentence) if anchor else None
    if resolved is not None and date_source:
        resolved.anchor_source = f"the document's date, from {date_source}"
    return resolved


_EXPLICIT = re.compile(rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}|(?:{_MONTH}|May)(?:\s+\d{{1,2}}(?:st|nd|rd|th)?,?)?\s+\d{{4}}"
                       rf"|\d{{1,2}}\s+(?:{_MONTH}|May)\s+\d{{4}}|(?:in|since|until|by)\s+(?:1[89]|20)\d{{2}})\b")


def _date(value: str) -> dt.date | None:
    """The date a YYYY-MM-DD string names; None when it names none (an index made before dates were checked)."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def has_explicit_date(text: str) -> bool:
    """Does the text name a date a reader can place without the document's date: with its year
    ("27 January 2022", "in 2021"), or a month by name ("in February")?"""
    return bool(_EXPLICIT.search(text) or re.search(rf"\b(?:{_MONTH})\b", text))


_MONTH_OF_YEAR = re.compile(r"\b([A-Z][A-Za-z]{2,8})\.?(?:\s+\d{1,2}(?:st|nd|rd|th)?,?)?\s+(\d{4})\b")  # "Oct. 3, 2015"


def asked_months(question: str) -> list[tuple[int, str]]:
    """The months of a year a question names ("in October 2015", "on Oct. 3, 2015"): (month number, year)."""
    return [(month, year) for word, year in _MONTH_OF_YEAR.findall(question) if (month := month_number(word))]


def holds_month(text: str, month: int, year: str) -> bool:
    """Does the text name the month (in full or by its first three letters, as written or in capitals) and the year?"""
    name = calendar.month_name[month]
    return bool(re.search(rf"\b{year}\b", text)) and any(
        re.search(rf"\b{written}\b", text) for written in {name, name.upper(), name[:3], name[:3].upper()})


def month_number(word: str) -> int | None:
    """The month a word names ("October", "Oct", "Sept": 10, 10, 9), or None."""
    for month in range(1, 13):
        if word.capitalize() in (calendar.month_name[month], calendar.month_abbr[month], "Sept" * (month == 9)):
            return month
    return None


def find_relative(text: str) -> re.Match | None:
    """The first date expression in the text that needs an anchor (no year of its own)."""
    return RELATIVE.search(text)


def resolve(expression: str, anchor: dt.date, sentence: str = "") -> ResolvedDate | None:
    """The date or range `expression` stands for in a document of date `anchor`; None if it is not one,
    or if it falls outside the calendar (the week after 9999-12-31)."""
    bare = _LEADING.sub("", expression.strip())
    try:
        if bare == calendar.month_name[anchor.month]:  # the document's own month, whichever way the sentence points
            day, period = anchor, "month"
        else:
            prefer = "future" if _FUTURE.search(sentence) else "past"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # dateparser's notes on time zones and deprecated settings
                found = _parser(anchor, prefer).get_date_data(bare)
            if found is None or found.date_obj is None:
                return None
            day, period = found.date_obj.date(), found.period or "day"
        start, end, label = _range(day, period)
    except (OverflowError, ValueError):  # a date past year 9999 or before year 1
        return None
    return ResolvedDate(text=expression, start=start, end=end, label=label, anchor=anchor)


@lru_cache(maxsize=64)
def _parser(anchor: dt.date, prefer: str):
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings={
        "RELATIVE_BASE": dt.datetime.combine(anchor, dt.time()), "PREFER_DATES_FROM": prefer,
        "RETURN_TIME_AS_PERIOD": True})


def _range(day: dt.date, period: str) -> tuple[dt.date, dt.date, str]:
    if period == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), str(day.year)
    if period == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last), f"{calendar.month_name[day.month]} {day.year}"
    if period == "week":
        monday = day - dt.timedelta(days=day.weekday())
        sunday = monday + dt.timedelta(days=6)
        return monday, sunday, f"the week of {_day_label(monday)}"
    return day, day, _day_label(day)


def _day_label(day: dt.date) -> str:
    return f"{calendar.day_name[day.weekday()]} {day.day} {calendar.month_name[day.month]} {day.year}"
