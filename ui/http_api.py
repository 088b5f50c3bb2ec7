"""The HTTP API for programs, served beside the chat by `qa serve`: stateless and typed.

    POST /api/ask     {"question": "...", "history": [earlier turns, oldest first],
                       "documents": [ids, or folders ending in "/"]}  ->  the answer's JSON
    GET  /api/health  {"status": "ok"}

The answer's JSON is `qa ask --json`'s (`qa.models.Answer`). Each request stands alone: a
follow-up ("who said that?") is read with the `history` the caller sends, each turn a question
and the answer it got (a reply of /api/ask may be sent back as it is). The corpus is the one the
server searches; `documents`, when given, asks within some of its documents: their ids in the
index ("notes.txt"), or folders of ids ("minutes/"), never a path on the server's disk (a name
the index does not hold is a 404 naming the closest ones). Bad input gets a 4xx whose JSON
`error` says what to change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import anyio
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qa.assistant import Assistant
from qa.conversation import Turn, turn_after
from qa.errors import InvalidQuestionError, QAError, UnknownDocumentError
from qa.models import Answer, Source
from qa.text import MAX_QUESTION_CHARS, validate_question

MAX_BODY_BYTES = 1_000_000
MAX_HISTORY_TURNS = 50
MAX_OFFSET = 2**31
MAX_DOCUMENTS = 100  # names to ask within, per request: a folder names many documents at once
MAX_NAME_CHARS = 500  # a document id or folder
ASKED_AT_ONCE = 4  # questions answered at the same time; more wait their turn


class PastTurn(BaseModel):
    """An earlier exchange: its question and the answer it got (None: there was none) with the
    answer's score and source, when known. Other fields of a returned answer are ignored."""

    model_config = ConfigDict(extra="ignore")

    question: str = Field(max_length=MAX_QUESTION_CHARS)
    answer: str | None = Field(default=None, max_length=MAX_QUESTION_CHARS)
    score: float = Field(default=0.0, ge=0.0, le=1.0)  # "says who?" answers with the score of the answer it asks about
    source: Source | None = None

    @field_validator("source")
    @classmethod
    def _offsets_in_range(cls, source: Source | None) -> Source | None:
        if source and not all(0 <= n < MAX_OFFSET for n in (source.start, source.end, source.sentence_start, source.sentence_end)):
            raise ValueError(f"offsets are character positions from 0 to {MAX_OFFSET - 1}")
        return source


class AskRequest(BaseModel):
    """A question, with the conversation before it (oldest first) when it may be a follow-up."""

    model_config = ConfigDict(extra="forbid")

    question: str
    history: list[PastTurn] = Field(default=[], max_length=MAX_HISTORY_TURNS)
    documents: list[Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)]] | None = Field(
        default=None, max_length=MAX_DOCUMENTS)  # None: every document

    @field_validator("documents")
    @classmethod
    def _named(cls, documents: list[str] | None) -> list[str] | None:
        if documents == []:
            raise ValueError("name at least one document id or folder ending in /, or leave documents out to ask them all")
        return documents

    @field_validator("question")
    @classmethod
    def _usable(cls, question: str) -> str:
        return validate_question(question)

    def turns(self) -> list[Turn]:
        """The history as the conversation reads it."""
        turns: list[Turn] = []
        for past in self.history:
            turns.append(turn_after(turns, Answer(question=past.question, answer=past.answer, score=past.score,
                                                  source=past.source, evidence=[])))
        return turns


class BodyTooLarge(Exception):
    pass


def routes(assistant: Callable[[], Assistant]) -> list[Route]:
    """The API's routes, answering over `assistant()` (the server's corpus)."""
    limiter = anyio.CapacityLimiter(ASKED_AT_ONCE)

    async def ask(request: Request) -> Response:
        try:
            asked = AskRequest.model_validate_json(await _body(request))
        except BodyTooLarge:
            return _error(413, f"the request body is over {MAX_BODY_BYTES:,} bytes; send a question and a shorter history")
        except ValidationError as error:
            return _error(422, _problems(error))
        try:
            answer = await anyio.to_thread.run_sync(
                lambda: assistant().ask(asked.question, history=asked.turns(), documents=asked.documents), limiter=limiter)
        except UnknownDocumentError as error:
            return _error(404, str(error))
        except InvalidQuestionError as error:
            return _error(422, str(error))
        except QAError as error:
            return _error(500, str(error))
        except Exception as error:  # a caller must get an answer in JSON, whatever happened
            return _error(500, f"the question could not be answered ({type(error).__name__}); try rewording it")
        return Response(answer.model_dump_json(), media_type="application/json")

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return [Route("/api/ask", ask, methods=["POST"]), Route("/api/health", health, methods=["GET"])]


async def _body(request: Request) -> bytes:
    """The request's body, BodyTooLarge as soon as it is known to be over MAX_BODY_BYTES."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise BodyTooLarge
    return bytes(body)


def _problems(error: ValidationError) -> str:
    """What is wrong with the request, one problem per field, as a person would read it."""
    said = []
    for problem in error.errors(include_url=False, include_input=False)[:5]:
        where = ".".join(str(part) for part in problem["loc"]) or "the body"
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "json_invalid":
            message = 'the body is not JSON; send {"question": "..."}'
        said.append(f"{where}: {message}")
    return "; ".join(said)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
