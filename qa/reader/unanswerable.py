"""Training questions that their paragraph does not answer: SQuAD 2.0's, and ones made from answerable ones.

`squad2_unanswerable(path)`: the unanswerable questions ("is_impossible") of the SQuAD 2.0 articles
that `qa.eval.squad2_eval.split` puts in its "train" part (the other fit articles are kept for fitting
the score). Their answerable questions are SQuAD v1.1 dev questions and are left out, so no dev
answer is trained on.

`swapped_questions(articles, count, rng)`: answerable questions turned unanswerable by swapping the
year, number or name they hinge on (one their paragraph mentions) for one of the same kind, taken
from another question, that the paragraph never mentions. The check: the paragraph then says nothing
about what is asked, and its old answer stays a plausible span (SQuAD 2.0's `plausible_answers`).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

_KINDS = {
    "year": re.compile(r"\b(?:1[5-9]\d\d|20\d\d)\b"),
    "number": re.compile(r"\b\d+(?:[.,]\d+)*\b"),
    "name": re.compile(r"(?<=\s)[A-Z][a-z]+(?:\s+(?:of\s+)?[A-Z][a-z]+)*"),  # not the question's first word
}


def squad2_unanswerable(path: Path) -> list[dict]:
    """The train articles of a SQuAD 2.0 file, holding only their unanswerable questions."""
    from qa.eval.squad2_eval import load_squad2, split

    fit = split(load_squad2(path))["train"]
    articles = []
    for article in json.loads(Path(path).read_text(encoding="utf-8"))["data"]:
        if article["title"] in fit:
            paragraphs = [{"context": p["context"], "qas": [qa for qa in p["qas"] if qa.get("is_impossible")]}
                          for p in article["paragraphs"]]
            articles.append({"title": article["title"], "paragraphs": [p for p in paragraphs if p["qas"]]})
    return articles


def hinge(question: str, context: str) -> tuple[str, re.Match] | None:
    """The year, number or name of the question that its paragraph mentions, with its kind."""
    for kind, pattern in _KINDS.items():
        for found in pattern.finditer(question):
            if kind == "number" and _KINDS["year"].fullmatch(found.group()):
                continue
            if re.search(rf"(?<!\w){re.escape(found.group())}(?!\w)", context):
                return kind, found
    return None


def swapped_questions(articles: list[dict], count: int, rng: random.Random) -> list[dict]:
    """Up to `count` unanswerable questions made from the articles' answerable ones, as SQuAD 2.0
    articles (one paragraph each); deterministic for a seeded `rng`."""
    candidates, pool = [], {}  # (kind, words) -> what questions hinge on: a name swaps for one as long
    for article in articles:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                if qa.get("is_impossible") or not qa["answers"]:
                    continue
                found = hinge(qa["question"], paragraph["context"])
                if found:
                    candidates.append((article["title"], paragraph["context"], qa, *found))
                    pool.setdefault(_sort(*found), []).append(found[1].group())
    rng.shuffle(candidates)
    made = []
    for title, context, qa, kind, found in candidates:
        if len(made) == count:
            break
        lowered = context.lower()
        same = pool[_sort(kind, found)]
        choices = [other for other in rng.sample(same, min(20, len(same))) if other.lower() not in lowered]
        if not choices:
            continue
        question = qa["question"][: found.start()] + choices[0] + qa["question"][found.end():]
        made.append({"title": f"{title} (swapped)", "paragraphs": [{"context": context, "qas": [{
            "id": f"{qa['id']}-swapped", "question": question, "answers": [], "is_impossible": True,
            "plausible_answers": qa["answers"][:1]}]}]})
    return made


def _sort(kind: str, found: re.Match) -> tuple[str, int]:
    return kind, len(found.group().split())
