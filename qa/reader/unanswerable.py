"""Training questions that their paragraph does not answer: SQuAD 2.0's, and ones made from answerable ones.

`squad2_unanswerable(path)`: the unanswerable questions ("is_impossible") of the SQuAD 2.0 articles
that `qa.eval.squad2_eval.split` puts in its "train" part (the other fit articles are kept for fitting
the score). Their answerable questions are SQuAD v1.1 dev questions and are left out, so no dev
answer is trained on.

`squad2_train_unanswerable(path)`: every unanswerable question of a SQuAD 2.0 training file (its
articles are in no dev set).

Made from the answerable training questions, the ways SQuAD 2.0's writers made theirs; each kept only
when a check says its paragraph does not answer it:
- `swapped_questions`: the year, number or name the question hinges on (one its paragraph mentions)
  swapped for one of the same kind, from another question, that the paragraph never mentions; its old
  answer stays a plausible span (SQuAD 2.0's `plausible_answers`).
- `negated_questions`: "not" after the question's verb ("Who was the first ..." -> "Who was not the
  first ..."): the paragraph says who was, not who was not.
- `antonym_questions`: a word of the question (first, largest, before, ...) swapped for its opposite,
  one the paragraph never uses.
- `other_paragraph_questions`: a question of another paragraph of the same article whose answer's
  words are absent from this one. It is asked of this paragraph alone (`"asked_of": "paragraph"`):
  its own paragraph, elsewhere in the same training corpus, answers it.
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


def squad2_train_unanswerable(path: Path) -> list[dict]:
    """Every article of a SQuAD 2.0 training file, holding only its unanswerable questions."""
    articles = []
    for article in json.loads(Path(path).read_text(encoding="utf-8"))["data"]:
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
        made.append(_made(title, context, qa, question, "swapped"))
    return made


def _sort(kind: str, found: re.Match) -> tuple[str, int]:
    return kind, len(found.group().split())


_NEGATABLE = re.compile(r"^((?:who|what|which)(?: \w+)? (?:is|was|are|were|has|had|have|can|could|will|would|does|did) )(?!not\b)",
                        re.IGNORECASE)
ANTONYMS = {
    "first": "last", "largest": "smallest", "biggest": "smallest", "highest": "lowest", "most": "least",
    "longest": "shortest", "oldest": "youngest", "earliest": "latest", "best": "worst", "before": "after",
    "maximum": "minimum", "more": "fewer", "increase": "decrease", "increased": "decreased", "north": "south",
    "east": "west", "start": "end", "began": "ended", "won": "lost", "larger": "smaller", "higher": "lower",
    "older": "younger", "early": "late", "inside": "outside", "upper": "lower", "major": "minor",
}
ANTONYMS |= {b: a for a, b in list(ANTONYMS.items()) if b not in ANTONYMS}


def negated_questions(articles: list[dict], count: int, rng: random.Random) -> list[dict]:
    """Up to `count` answerable questions that begin "Who/What/Which [noun] <verb> ..." asked with "not"
    after the verb; the paragraph states what is, not what is not."""
    made = []
    for title, context, qa in _answerable(articles, rng):
        if len(made) == count:
            break
        found = _NEGATABLE.match(qa["question"].strip())
        if found and not re.search(r"\b(?:not|never|n't)\b", context, re.IGNORECASE):
            question = found.group(1) + "not " + qa["question"].strip()[found.end():]
            made.append(_made(title, context, qa, question, "negated"))
    return made


def antonym_questions(articles: list[dict], count: int, rng: random.Random) -> list[dict]:
    """Up to `count` answerable questions with one word turned to its opposite, which the paragraph never uses."""
    made = []
    for title, context, qa in _answerable(articles, rng):
        if len(made) == count:
            break
        words = set(re.findall(r"[a-z]+", context.lower()))
        for found in re.finditer(r"[A-Za-z]+", qa["question"]):
            opposite = ANTONYMS.get(found.group().lower())
            if opposite and opposite not in words:
                question = qa["question"][: found.start()] + opposite + qa["question"][found.end():]
                made.append(_made(title, context, qa, question, "antonym"))
                break
    return made


def other_paragraph_questions(articles: list[dict], count: int, rng: random.Random) -> list[dict]:
    """Up to `count` questions of one paragraph asked of another of the same article that names something
    the question names but none of its answer's words; asked of that paragraph alone."""
    made = []
    for article in articles:
        paragraphs = [p for p in article["paragraphs"] if any(qa["answers"] for qa in p["qas"])]
        for number, paragraph in enumerate(paragraphs):
            if len(paragraphs) < 2:
                break
            other = paragraphs[(number + 1 + rng.randrange(len(paragraphs) - 1)) % len(paragraphs)]
            words = _content_words(other["context"])
            for qa in paragraph["qas"]:
                answer_words = set().union(*(_content_words(a["text"]) for a in qa["answers"]))
                if answer_words and not answer_words & words and _content_words(qa["question"]) & words:
                    made.append(_made(article["title"], other["context"], qa, qa["question"], "other-paragraph"))
                    break
    rng.shuffle(made)
    return made[:count]


_STOP = frozenset("a an and are as at be by did do does for from had has have how in is it its of on or that the this "
                  "to was were what when where which who whom whose why with".split())


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if w not in _STOP}


def _answerable(articles: list[dict], rng: random.Random) -> list[tuple[str, str, dict]]:
    """(title, context, question) of every answerable question, shuffled."""
    found = [(a["title"], p["context"], qa) for a in articles for p in a["paragraphs"] for qa in p["qas"]
             if not qa.get("is_impossible") and qa["answers"]]
    rng.shuffle(found)
    return found


def _made(title: str, context: str, qa: dict, question: str, kind: str) -> dict:
    """A one-paragraph article holding the made unanswerable `question`. One from another paragraph is
    asked of this one alone and has no plausible span in it."""
    moved = kind == "other-paragraph"
    made = {"id": f"{qa['id']}-{kind}", "question": question, "answers": [], "is_impossible": True,
            "plausible_answers": [] if moved else qa["answers"][:1]}
    return {"title": f"{title} ({kind})", "paragraphs": [{"context": context, "qas": [
        {**made, "asked_of": "paragraph"} if moved else made]}]}
