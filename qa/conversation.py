"""Conversations: a follow-up question is read with what the turn before it was about.

"who said that?", "how high?", "and the UK?", "what did she say?" lean on the previous turn. A
question is a follow-up when it points back (a pronoun, "that", "there"), opens with "and" or "what
about", is a bare question phrase ("when?", "how high?") or an echo ("if what?"). It is then asked as:
- a bare question phrase borrows the previous question's rest: "how high?" after "what is the tide at
  Dover?" is read as "how high is the tide at Dover?"; so does one that asks about "that" ("when was
  that?", "what day was this?", "when did it happen?"), the previous answer put back where its question
  phrase asked for the object ("when?" after "what did Russia annex?", answered "Crimea": "when did Russia annex
  Crimea?");
- "and X?" / "what about X?" asks the previous question again with X in place of its first name:
  "and the UK?" after "how many troops has Russia sent?" is "how many troops has the UK sent?". The
  previous answer is then no answer (`Reading.unlike`): it was about the name X replaced. Without a
  name to replace it is read as "what about X?". "and" before a whole question ("and who is ...?") is
  only a word of speech;
- he / she / it / they (and their other forms) stand for the previous answer when it is a short name
  that was asked for (not a time: "what day ...?"; he / she only for one asked with "who" or "which": "what is
  Blinken's job?" answers no one, so "he" is Blinken, the possessive's "'s" left off);
- "that", "this" and "so" ("who said so?") stay, and the previous answer's sentence is read first;
- an echo, a few words ending in a question word ("if what?", "to do what?", "against who?"), carries the
  previous question on: "what did officials say was possible to do what?" ("says who?" asks who said so);
- a pronoun never stands for a name its own question says, and looks back past a turn that offers none;
- after a question whose answer is its object ("what did russia grab?"), he / she / they stand for its subject and
  "it" for a short answer, or the phrase opening a long one before its clause ("what did they say it was?" is "what did
  Russia say Crimea was?"; "what was it?" after "what did the United States reject?", answered "Russia's main demand
  that the US rule out ...", is "what was Russia's main demand?");
- a name typed in lower case is taken as the previous answer's sentence writes it ("russia", "Russia");
- "says who?", "according to whom?", "who said so?" ask who said the previous answer: its sentence says
  (`qa.attribution`: "according to two people familiar with the conversation", "President Biden warned ..."),
  and when it names no one the question is read as below;
- a bare question phrase after a yes/no question, or one without a question phrase, asks it in its place ("from
  who?" after "are there going to be sanctions?" is "from who are there going to be sanctions?"; "where?" after "any
  talks planned?" is "where any talks planned?"); "says who?" is "who said so?", "how come?" is "why?";
- a bare question phrase opening with a preposition ("against whom?") prefers a close answer its document writes
  right after that preposition ("... sanctions against Russia": `Reading.after`);
- "and if X?", "but what if X?" ask the previous question on that condition ("what is Blinken offering if Putin
  invades?"); "he" / "she" after "who is Emily Horne?" is Emily Horne, not the answer that describes her ("National
  Security Council spokesperson": a name is all capitals, as "Volodymyr Zelensky" after "who is President of Ukraine?");
- words of speech around any question are dropped ("hey,", "ok and", "tell me how many ...": `spoken`).
In every case retrieval searches for the question together with the previous question and the
previous answer's sentence. Only the reading changes: the answer is a span of the documents as ever.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel

from qa.attribution import ASKS_WHO_SAID
from qa.models import Answer
from qa.text import spelled_out

QUESTION_PHRASE = r"(?:what|which|who|whom|whose|when|where|why|how)(?:\s+(?:many|much|long|old|high|tall|far|big|large|often|soon|deep|wide|fast))?"
_PREPOSITION = r"(?:by|in|at|for|from|to|with|since|until|on|after|before|against|about|of|into|over|under|through|without|between|among|during|near|according\s+to)"
_BARE = re.compile(rf"^\s*(?:(?:and|but|so)\s+)?(?P<phrase>(?:{_PREPOSITION}\s+)?(?:(?:what|which)\s+\w+|{QUESTION_PHRASE}))"
                   r"(?:\s+(?:exactly|again|(?:was|is|did|does)\s+(?:that|this)(?:\s+(?:happen|take\s+place))?"
                   r"|(?:did|does)\s+it\s+(?:happen|take\s+place)))?\s*[?.!]*\s*$", re.I)
_ANOTHER = re.compile(r"\s*(?:and|but|what about|how about|and what about|what of|and for)\s+", re.I)
_POINTS_BACK = re.compile(r"\b(that|this|it|its|he|she|his|her|him|they|them|their|there|then|those|these)\b"
                          r"|\b(?:say|says|said|think|thinks|thought)\s+so\b", re.I)
_WHOLE_QUESTION = re.compile(rf"^(?:{QUESTION_PHRASE}|is|are|was|were|do|does|did|can|could|has|have|had|will|would)\b", re.I)
_PERSONAL = re.compile(r"\b(?P<pronoun>he|she|him|her|his|hers|it|its|they|them|their)\b", re.I)
_THEN = re.compile(r"\b(?P<pronoun>then|there)\b", re.I)
_ASKS_FOR_A_NAME = re.compile(r"^\s*(?:who|whom|which|what)\b(?!\s+(?:day|date|year|month|week|time|century|decade)\b)", re.I)
_ASKS_FOR_A_PERSON = re.compile(r"^\s*(?:who|whom|whose|which)\b", re.I)  # "what is Blinken's job?" answers no one "he" means
_PERSON_PRONOUN = re.compile(r"\b(?:he|she|him|her|his|hers)\b", re.I)
_ASKS_WHEN_OR_WHERE = re.compile(rf"^\s*(?:{_PREPOSITION}\s+)?(?P<which>when|where)\b", re.I)
_AUXILIARY = r"(?:did|does|do|will|would|could|can|might|may|should|has|have|had)"
_OPENING_VERB = rf"(?:is|are|was|were|{_AUXILIARY})"  # "did" of "what day did ...", "is" of "is there ...?"
_LEADING_PHRASE = re.compile(rf"^\s*(?:{_PREPOSITION}\s+)?(?:how\s+(?:many|much)\s+\w+|(?:what|which)\s+(?!{_OPENING_VERB}\b)\w+"
                             rf"(?=\s+{_OPENING_VERB}\b)|{QUESTION_PHRASE})\s+", re.I)
_NAME = re.compile(r"\b(?:the\s+)?[A-Z][\w'’.-]*(?:\s+(?:of\s+)?[A-Z][\w'’.-]*)*")
_ECHO = re.compile(r"^\s*(?!(?:says?|said)\b)(?:\w+\s+){1,3}(?:what|who|whom|which|where|when)\s*[?.!]*\s*$", re.I)  # "if what?", "to do what?"; "says who?" asks who said so
_STARTS_WITH_PREPOSITION = re.compile(rf"^{_PREPOSITION}\b", re.I)
_FILLER = re.compile(r"^\s*(?:(?:hey|hi|hello|ok|okay|so|well|wait|um+|uh+|oh|hmm+|alright|yeah)(?=[\s,.!;:])[\s,.!;:]*"
                     r"|(?:right|now|also|actually|sorry|please|yes|no)\s*,\s*)+", re.I)  # "hey, who ...", "ok and ...", "no, who ..."
_REQUEST = re.compile(rf"^\s*(?:(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?(?:tell|show)\s+me|(?:do|does)\s+(?:you|anyone)\s+know"
                      rf"|any\s+idea|i\s+wonder|i\s+(?:want|would\s+like)\s+to\s+know|remind\s+me)\s+(?={QUESTION_PHRASE}\b)", re.I)
_SAID_SHORT = ((re.compile(r"^\s*(?:says?\s+who|who\s+says(?:\s+so)?)\s*[?.!]*\s*$", re.I), "who said so?"),
               (re.compile(r"^\s*how\s+(?:come|so)\s*[?.!]*\s*$", re.I), "why?"))  # a follow-up said short, as meant
_YES_NO = re.compile(rf"^{_OPENING_VERB}\b", re.I)
_SUBJECT = re.compile(rf"^\s*(?i:(?:{_PREPOSITION}\s+)?(?:(?:what|which)(?:\s+\w+)?|who|whom|where|when|why|how)\s+{_AUXILIARY}\s+)"
                      r"(?P<subject>(?i:the\s+)?(?:[A-Z][\w'’.-]*(?:\s+(?:(?:and|of)\s+(?:the\s+)?)?[A-Z][\w'’.-]*)*|[\w'’.-]+))")  # "what did russia grab?": the answer is its object
_SUBJECT_PRONOUN = re.compile(r"\b(?:he|she|they)\b", re.I)
_CONDITION = re.compile(r"\s*(?:(?:and|but|so)\s+)?(?:what\s+)?(?P<word>if|unless|once)\s+", re.I)  # "and if X?"
_WHO_IS_NAMED = re.compile(r"^\s*(?i:who\s+(?:is|was))\s+(?!(?i:the|a|an)\b)[A-Z]")  # "who is Emily Horne?": a description answers
_IT = re.compile(r"\bit\b", re.I)
_POSSESSIVE = re.compile(r"['’]s$")
_PRONOUNS = {"i", "you", "he", "she", "it", "we", "they", "that", "this", "there"}
MAX_STANDIN_WORDS = 5  # a longer previous answer is a clause, not a name a pronoun could stand for
_CLAUSE_OPENS = re.compile(r"[,;:(]|\s(?:that|which|who|whom|whose|where|when|while|because|should|unless)\b")
STANDIN_TURNS = 3  # turns looked back through for what a pronoun stands for


class Turn(BaseModel):
    """One exchange: the question as asked, as it was read (a follow-up filled in), and the answer."""

    question: str
    read_as: str
    answer: Answer


class Reading(BaseModel):
    """How to ask a question in a conversation: the question to read, what else retrieval should look
    for, and the sentence to read first (the previous answer's, for a follow-up)."""

    question: str
    retrieval_context: str | None = None
    previous: Answer | None = None
    unlike: Answer | None = None  # "and X?": the previous answer, which was about what X replaced
    said_by: Answer | None = None  # "says who?": the previous answer, whose sentence says who said it (`qa.attribution`)
    after: str | None = None  # "against whom?": the preposition a bare follow-up opens with, its answer likely after it


def reading(question: str, history: list[Turn]) -> Reading:
    """How to read `question` after the turns of `history` (oldest first), contractions written out."""
    question = spoken(spelled_out(question))
    said_by = history[-1].answer if history and history[-1].answer.source and ASKS_WHO_SAID.match(question) else None
    if history:
        question = next((meant for asks, meant in _SAID_SHORT if asks.match(question)), question)
    if not history or not _is_follow_up(question):
        return Reading(question=question, said_by=said_by)
    last = history[-1]
    read_as = _filled_in(question, history)
    context = " ".join(part for part in (last.read_as, last.answer.source.sentence if last.answer.source else None) if part)
    answered = last.answer if last.answer.source else None
    another = _another(question)
    swapped = bool(another and not _BARE.match(question) and not _POINTS_BACK.search(another) and _first_name(_cased(last)))
    bare = _BARE.match(question)
    after = _STARTS_WITH_PREPOSITION.match(bare.group("phrase")) if bare else None
    return Reading(question=read_as, retrieval_context=context, previous=answered, unlike=answered if swapped else None,
                   said_by=said_by, after=after.group().lower() if after else None)


def _is_follow_up(question: str) -> bool:
    if _condition(question):
        return True
    if (opening := _ANOTHER.match(question)) and _WHOLE_QUESTION.match(question[opening.end():]):
        question = question[opening.end():]  # "and who is ...?": a question of its own, unless it points back
    return bool(_BARE.match(question) or _ECHO.match(question) or _another(question) or _POINTS_BACK.search(question))


def _another(question: str) -> str | None:
    """X of "and X?" / "what about X?": what follows the opening, up to its closing marks; None when
    the question does not open so, or X is empty or holds a question mark. Found without a pattern
    around X, whose ways to split spaces between X and the marks backtrack for minutes on a long run
    of spaces."""
    opening = _ANOTHER.match(question)
    if not opening:
        return None
    rest = question[opening.end():].rstrip()
    subject = rest.rstrip("?.!").rstrip() if rest.endswith(tuple("?.!")) else rest
    return subject if subject and "?" not in subject and not _WHOLE_QUESTION.match(subject) and not _condition(subject) else None


def _condition(question: str) -> str | None:
    """The condition a question adds to the one before ("if Putin invades" of "and if Putin invades?", "but what if
    ...?"), up to its closing marks; None for any other question. Found without a pattern around the condition (as
    `_another`: a long run of spaces)."""
    opening = _CONDITION.match(question)
    if not opening:
        return None
    rest = question[opening.end():].rstrip().rstrip("?.!").rstrip()
    return f"{opening.group('word')} {rest}" if rest and "?" not in rest else None


def _filled_in(question: str, history: list[Turn]) -> str:
    """The question with what it leaves out taken from the previous turn (a pronoun's referent from an
    earlier one when that turn offers none, `_stand_in`)."""
    last = history[-1]
    if condition := _condition(question):  # "and if Putin invades?": the previous question on that condition
        return f"{last.read_as.rstrip().rstrip('?.!').rstrip()} {condition}?"
    if _ECHO.match(question) and not _BARE.match(question):  # "to do what?": the previous question, carried on
        return f"{last.read_as.rstrip().rstrip('?.!').rstrip()} {question.strip()}"
    if bare := _BARE.match(question):
        rest = _LEADING_PHRASE.sub("", last.read_as, count=1)
        if _YES_NO.match(last.read_as) or rest == last.read_as:  # "from who?" after "are there going to be sanctions?"
            return f"{bare.group('phrase')} {last.read_as[0].lower()}{last.read_as[1:]}"  # "where?" after "any talks planned?"
        return f"{bare.group('phrase')} {_with_object(last, rest)}"
    if (another := _another(question)) and not _POINTS_BACK.search(another):
        name = _first_name(_cased(last))
        if name:
            return last.read_as[: name.start()] + another + last.read_as[name.end():]
        return f"what about {another}?"
    answer = last.answer.answer
    if answer and (asked := _ASKS_WHEN_OR_WHERE.match(last.read_as)) and len(answer.split()) <= MAX_STANDIN_WORDS:
        place = answer if _STARTS_WITH_PREPOSITION.match(answer) else f"in {answer}"
        wanted = "then" if asked.group("which").lower() == "when" else "there"
        question = _THEN.sub(lambda m: place if m.group("pronoun").lower() == wanted else m.group(), question, count=1)
    if (subject := _subject(last)) and not _named_in(subject, question):  # "what did they say it was?": they, Russia
        question = _SUBJECT_PRONOUN.sub(subject, question, count=1)
        answer = last.answer.answer
        if _IT.search(question):  # and "it", what it answered: a short answer in its place, a clause read as "it"
            return _IT.sub(named, question, count=1) if (named := _named_part(answer)) else question
    stand_in = _stand_in(question, history)
    if stand_in:
        return _PERSONAL.sub(lambda m: stand_in + ("'s" if m.group("pronoun").lower() in ("his", "its", "their", "hers") else ""),
                             question, count=1)
    return question


def _stand_in(question: str, history: list[Turn]) -> str | None:
    """What "he", "it" or "they" in `question` most likely means: from the latest turn that offers one, its
    answer when it asked for a name (not a time: "what day") and got one, else the first name its question
    mentioned; never a name the question itself says ("what did he thank Biden for?" is not about Biden).
    At most STANDIN_TURNS turns back (a turn that went unanswered offers none)."""
    asks = _ASKS_FOR_A_PERSON if _PERSON_PRONOUN.search(question) else _ASKS_FOR_A_NAME
    for turn in reversed(history[-STANDIN_TURNS:]):
        answer = turn.answer.answer
        cased = _cased(turn)
        name = _first_name(cased)
        describes = answer and _WHO_IS_NAMED.match(cased) and any(word[:1].islower() for word in answer.split())
        named = _named_part(answer)
        candidates = [named if named and asks.match(turn.read_as) and named[0].isupper() and not describes else None,
                      _POSSESSIVE.sub("", name.group()) if name else None]
        for candidate in filter(None, candidates):
            if not _named_in(candidate, question):
                return candidate
    return None


def _with_object(turn: Turn, rest: str) -> str:
    """`rest`, the turn's question after its question phrase ("did Russia annex?"), with the turn's answer where that
    phrase asked for it, the object of the verb ending the question ("did Russia annex Crimea?" after "what did Russia
    annex?", answered "Crimea"); as it is when the answer is long, a time, or has no such place ("talk to ... on the phone")."""
    found = _SUBJECT.match(turn.read_as)
    named = _named_part(turn.answer.answer)
    verb = turn.read_as[found.end("subject"):].strip().rstrip("?.!").split() if found else []
    if not named or not _ASKS_FOR_A_NAME.match(turn.read_as) or not 1 <= len(verb) <= 2 or _STARTS_WITH_PREPOSITION.match(verb[-1]):
        return rest
    return f"{rest.rstrip().rstrip('?.!').rstrip()} {named}?"


def _named_part(answer: str | None) -> str | None:
    """What a pronoun can stand for of an answer: the answer when short (MAX_STANDIN_WORDS), else the short phrase
    opening it before a clause ("Russia's main demand" of "Russia's main demand that the US rule out ..."); None
    when neither is short."""
    if not answer:
        return None
    clause = _CLAUSE_OPENS.search(answer)
    named = answer if len(answer.split()) <= MAX_STANDIN_WORDS else answer[: clause.start()].rstrip() if clause else ""
    return named if named and len(named.split()) <= MAX_STANDIN_WORDS else None


def _named_in(name: str, question: str) -> bool:
    """Does the question hold a capitalised word of the name ("Biden" of "Joe Biden")?"""
    words = {word.lower() for word in re.findall(r"[\w'’.-]+", question)}
    return any(word[:1].isupper() and word.lower() in words for word in re.findall(r"[\w'’.-]+", name))


def spoken(question: str) -> str:
    """The question without the words of speech around it: "hey, who did biden call?" -> "who did biden call?", "ok
    and what ...?" -> "and what ...?", "tell me how many ..." -> "how many ..."."""
    stripped = _REQUEST.sub("", _FILLER.sub("", question, count=1), count=1)
    return stripped if re.search(r"\w", stripped) else question


def _subject(turn: Turn) -> str | None:
    """The subject of a turn's question when its answer was the object ("russia" of "what did russia grab?"), as
    its answer's sentence writes it ("Russia"); None for a pronoun or no such question."""
    found = _SUBJECT.match(turn.read_as)
    if not found or found.group("subject").lower() in _PRONOUNS:
        return None
    return _cased(turn)[found.start("subject") : found.end("subject")]


def _cased(turn: Turn) -> str:
    """The turn's question, typed all in lower case, with each word its answer's sentence writes capitalised (not
    opening the sentence) written so: people type "russia", the document says "Russia". A question with capitals
    is left as typed ("the president of Ukraine" stays so, though the sentence says "President Zelensky")."""
    if _NAME.search(turn.read_as[1:]):
        return turn.read_as
    sentence = turn.answer.source.sentence if turn.answer.source else ""
    written = (_POSSESSIVE.sub("", word) for word in re.findall(r"(?<=[\w,;:'’\"“”)] )[A-Z][\w'’-]*", sentence))
    capitalised = {word.lower(): word for word in written}

    def as_written(word: str) -> str:  # "blinken's" -> "Blinken's"
        base = _POSSESSIVE.sub("", word)
        cased = capitalised.get(base.lower(), base)
        return cased + word[len(base):] if len(cased) == len(base) else word

    return re.sub(r"[\w'’-]+", lambda m: as_written(m.group()) if m.start() > 0 else m.group(), turn.read_as)


def _first_name(question: str) -> re.Match | None:
    """The first capitalised phrase of a question that is not its first word."""
    return next((found for found in _NAME.finditer(question) if found.start() > 0), None)


def turn_after(history: list[Turn], answer: Answer) -> Turn:
    """The turn that `answer` (to a question asked after `history`) adds to the conversation."""
    return Turn(question=answer.question, read_as=reading(answer.question, history).question, answer=answer)


class Conversation:
    """Questions asked in turn, each follow-up read with the turn before it: `Conversation(assistant).ask(q)`;
    with `documents` (ids, or folders ending in "/"), asked within those documents only."""

    def __init__(self, assistant, documents: Iterable[str] | None = None) -> None:
        self.assistant = assistant
        self.documents = documents
        self.turns: list[Turn] = []

    def ask(self, question: str) -> Answer:
        answer = self.assistant.ask(question, history=self.turns, documents=self.documents)
        self.turns.append(turn_after(self.turns, answer))
        return answer

    def clear(self) -> None:
        self.turns = []
