"""The assistant: question -> retrieved sentences -> reader spans -> one scored answer with sources."""

from __future__ import annotations

import difflib
import re
import threading
import warnings
from bisect import bisect
from collections.abc import Iterable, Iterator
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple, Protocol

from qa.cells import (Cell, as_number, asked_in_order, context_named, lacks_asked_year, named_row, row_cells, row_key,
                      row_starts, without_set_aside)
from qa.attribution import who_said
from qa.choices import chosen_in, compared, holds_both, offered, side_in
from qa.confidence import Confidence, span_features
from qa.conversation import Turn, reading
from qa.dates import asked_months, find_relative, has_explicit_date, holds_month, resolve_answer
from qa.errors import CorpusError, IndexRebuildableError, QAError, UnknownDocumentError
from qa.index.build import build_new, embedded_documents
from qa.index.documents import (Document, SkippedFile, check_dates, dated, make_document, named_files, no_document_error,
                                read_files, with_dates)
from qa.index.lexical import content_words, identifiers, names_every
from qa.index.embedder import DEFAULT_MODEL, Embedder, shared_embedder
from qa.index.folders import DATABASE, check_replaceable, held_lock, is_index_database
from qa.index.retriever import Passage, RetrievedSentence, Retriever
from qa.index.sentences import ROW_SEPARATOR
from qa.index.store import SentenceIndex, UpdateReport
from qa.index.vectors import Progress
from qa.models import Alternative, Answer, ReaderSpan, Source
from qa.normalize import normalize_answer
from qa.reader.span_reader import TOP_SPANS, shared_reader
from qa.runtime import home_dir
from qa.spelling import respelt
from qa.text import spelled_out, validate_question

CLOSEST_SHOWN = 3
NAMED_ROW_DEPTH = 50  # best word matches searched for table rows a question names (qa.cells)
MAX_NAMED_ROWS = 2  # such rows read first, before the retrieved sentences
NAMED_CELL_SPANS = 20  # spans the reader proposes in such rows, looked through for a named cell
MAX_WHOLE_CELL_WORDS = 6  # a span inside a named cell this short answers with the whole cell; one twice as long when the span is half of it
MAX_ROW_LINES = 12  # a wide row's lines looked for either side of one of them (`table_row`)
ALTERNATIVES_SHOWN = 3
ALTERNATIVE_MIN_SCORE = 0.05  # below this a span is noise, not a reading worth showing
DATE_PREFERENCE_MARGIN = 0.2  # "close" scores, for preferring a usable date or a span after a preposition
PREFERRED_DATE = ("scored higher, but it is a relative date that no document date resolves; "
                  "the answer is a date you can use")
WHEN_QUESTION = re.compile(r"\s*(?:when|what (?:date|day|month|year|time)|which (?:date|day|month|year))\b", re.IGNORECASE)
MIN_NAME_CHARS = 3
RARE_NAME_SENTENCES = 3  # a name held by this few indexed sentences is looked for beside its answer
NAME_STEM_CHARS = 5  # a name's word is looked for by its first letters, all but its last three down to this many
_NAME = re.compile(r"(?<!^)(?<![.?!] )\b[A-Z][\w'’-]*(?:[ ][A-Z][\w'’-]*)*")  # "RiskIQ", "Carolina Panthers"
_HAS_LOWER = re.compile(r"[a-z]")
_POSSESSIVE = re.compile(r"['’]s\b")


class Candidates(NamedTuple):
    """One question's reading: retrieved sentences, the reader's scored spans best first, and the
    retrieved passages a shorter reading (quick answer, early exit) left unread, and the question as
    read (its misspelt words as the retrieved sentences spell them), and the score the best span needs to answer
    when that is not the calibrated threshold."""

    hits: list[RetrievedSentence]
    scored: list[tuple[float, ReaderSpan]]
    unread: list[Passage]
    question: str
    bar: float | None = None  # the score an answer needs, when not the calibrated threshold (a named cell's)


class Reader(Protocol):
    """What the assistant needs from an extractive reader."""

    def warm_up(self) -> None: ...

    def read(self, question: str, passages: list[Passage], top_n: int = TOP_SPANS) -> list[ReaderSpan]: ...


def seeds_dir() -> Path:
    """The bundled default corpus."""
    return Path(str(files("qa.seeds")))


def default_index_dir() -> Path:
    """Where the default seeds index lives: in the home folder ($QA_HOME, else ~/.cache/qa-assistant)."""
    return home_dir() / "seeds-index"


class Assistant:
    """Answers questions over one sentence index.

    Assistants share one embedder per model and one reader per process (`shared_embedder`,
    `shared_reader`): a new corpus costs its index, never another copy of the models.
    """

    def __init__(self, index: SentenceIndex, embedder: Embedder, reader: Reader | None = None,
                 confidence: Confidence | None = None, k: int = 3, context: int = 1) -> None:
        self.index = index
        self.retriever = Retriever(index, embedder, k=k, context=context)
        self.reader = reader or shared_reader()
        self.confidence = confidence or Confidence.load()

    # ---- construction -----------------------------------------------------------------
    @classmethod
    def open(cls, index_dir: Path, model: str | None = None, **options) -> "Assistant":
        """An assistant over an index built earlier with `qa index`."""
        embedder = shared_embedder(model)
        embedder.check()
        return cls(SentenceIndex.open(index_dir, expected_model=embedder.identity), embedder, **options)

    @classmethod
    def from_folder(cls, paths: list[Path], index_dir: Path | None = None, model: str | None = None,
                    progress: Progress | None = None, dates: dict[str, str] | None = None,
                    ray: str | None = None, actors: int | None = None, **options) -> "Assistant":
        """Index folders or files (updating the index at `index_dir`, if given) and answer over them.
        `dates` gives documents their dates ({doc_id: "YYYY-MM-DD"}, "" for all), over any other.
        `ray` builds the index at `index_dir` anew on a Ray cluster (`index_paths`)."""
        embedder = shared_embedder(model)
        index, _, _ = index_paths(paths, embedder, index_dir, dates, progress, ray, actors)
        return cls(index, embedder, **options)

    @classmethod
    def from_texts(cls, texts: dict[str, str], model: str | None = None, dates: dict[str, str] | None = None,
                   **options) -> "Assistant":
        """An in-memory assistant over {doc_id: text}, with `dates` as in `from_folder`."""
        if not isinstance(texts, dict):
            raise CorpusError(f"from_texts takes a dict of {{name: text}}, not a {type(texts).__name__}")
        documents = with_dates([make_document(doc_id, text) for doc_id, text in texts.items()], dates)
        return cls.from_documents(documents, model=model, **options)

    @classmethod
    def from_documents(cls, documents: list[Document], previous: SentenceIndex | None = None,
                       model: str | None = None, **options) -> "Assistant":
        """An in-memory assistant over documents, reusing `previous`'s vectors of those unchanged."""
        embedder = shared_embedder(model)
        index, _ = SentenceIndex.build(documents, embedder, previous)
        return cls(index, embedder, **options)

    def warm_up(self) -> None:
        self.retriever.embedder.warm_up()
        self.reader.warm_up()

    # ---- answering --------------------------------------------------------------------
    def ask(self, question: str, context: str | None = None, history: list[Turn] | None = None,
            documents: Iterable[str] | None = None) -> Answer:
        """The best answer span with its sources, or answer=None when the documents do not hold it.

        `context` only helps find passages. `history`, the conversation's earlier turns (oldest first;
        `qa.conversation.Conversation` keeps them), makes a follow-up ("who said that?") read with
        what the previous turn was about. `documents` asks within those documents only: ids, or folders
        ending in "/" (`chosen`).
        """
        asked = validate_question(question)
        within = self.chosen(documents)
        how = reading(asked, history or [])
        if how.said_by is not None and (said := self._speaker_of(how.said_by, within)) is not None:  # "says who?"
            return Answer(question=asked, answer=self.index.document(said.doc_id).text[said.start : said.end],
                          score=how.said_by.score, source=said, evidence=[said], read_as=f'who said "{how.said_by.answer}"?')
        looking_for = " ".join(filter(None, (context, how.retrieval_context))) or None
        hits, scored, unread, question, bar = self.candidates(how.question, looking_for, how.previous, within)
        bar = self.confidence.threshold if bar is None else bar
        read_as = question if question != spelled_out(asked) else None
        if how.unlike and any(_overlaps(span, how.unlike) for _, span in scored):  # "and X?": not the answer about what X replaced
            if unread:
                scored, unread, bar = self.scored(question, hits, self.read(question, hits)), [], self.confidence.threshold
            scored = [pair for pair in scored if not _overlaps(pair[1], how.unlike)]
        if self._wants_usable_date(question, scored):
            if unread:  # read on: a usable date may be further down
                scored, unread, bar = self.scored(question, hits, self.read(question, hits)), [], self.confidence.threshold
            scored = self._usable_date_first(question, scored)
        if how.after:
            scored = self._after_first(how.after, scored)
        if not hits:
            return Answer(question=asked, answer=None, score=0.0, source=None, evidence=[], read_as=read_as)
        if not scored or scored[0][0] < bar or self.unknown_names(question) or self.names_away_from(question, scored[0][1]):
            best = scored[0][0] if scored else 0.0
            return Answer(question=asked, answer=None, score=best, source=None, evidence=self._closest(hits), read_as=read_as)
        score, best = scored[0]
        places = [place for _, span in scored if (place := _same_answer_in(span, best))]
        places += [place for passage in unread for place in self._answer_text_in(passage, best.text)]
        places = _one_per_document(places)
        evidence = [self._source(doc_id, start, end) for doc_id, start, end in places]
        source = evidence[0]
        return Answer(question=asked, answer=best.text, score=score, source=source, evidence=evidence,
                      alternatives=self._alternatives(scored),
                      resolved_date=resolve_answer(best.text, source.sentence, source.date, source.date_source), read_as=read_as)

    def _speaker_of(self, answer: Answer, within: frozenset[str] | None) -> Source | None:
        """Whom the answer's sentence attributes it to (`qa.attribution.who_said`), where the index still holds that
        sentence in a document asked `within`; None when it names no one."""
        source = answer.source
        if within is not None and source.doc_id not in within:
            return None
        try:
            text = self.index.document(source.doc_id).text
        except UnknownDocumentError:  # removed since it answered
            return None
        if text[source.sentence_start : source.sentence_end] != source.sentence:
            return None
        found = who_said(source.sentence, source.start - source.sentence_start, source.end - source.sentence_start)
        return self._source(source.doc_id, source.sentence_start + found[0], source.sentence_start + found[1]) if found else None

    def unknown_names(self, question: str) -> list[str]:
        """The names the question holds (runs of capitalised words, not opening it) of which no word is held
        by any indexed sentence, stems and accents aside, or by any document's name: the documents say
        nothing about "RiskIQ" when none names it, however well another acquisition's price reads. A name
        with one known word is known ("Carolina Panthers" of a text saying "the Panthers"); only words of
        MIN_NAME_CHARS with a lower-case letter that carry content count ("FBI" may never be spelt out, "The"
        says nothing)."""
        unknown = [" ".join(words) for words in _name_words(question)
                   if not any(self.index.lexical_search(word, 1) for word in words)]
        if not unknown:
            return []
        named = " ".join(self.index.document_ids()).lower()
        return [name for name in unknown if not any(word.lower() in named for word in name.split())]

    def names_away_from(self, question: str, span: ReaderSpan) -> list[str]:
        """The question's rare names (each word held by at most RARE_NAME_SENTENCES indexed sentences, one of them in the
        answer's document) of which no word stands in the passage the answer was read in, its headings or its
        document's name: "RiskIQ", named once in the page's list of subsidiaries, does not make the price of Affirmed
        Networks, acquired elsewhere in it, its price. A name only other documents hold is not looked for (the answer's
        may say it in other words), nor are the alternatives a question offers (`qa.choices`)."""
        document = self.index.document(span.doc_id)
        around = f"{span.passage.text} {document.context_at(span.start)} {span.doc_id}".lower()
        choice = offered(question) or (compared(question) or (None,))[0]
        offers = {word.lower() for run in (choice.left + choice.right if choice else []) for word in run.split()}
        away = []
        for words in _name_words(question):
            if offers.issuperset(word.lower() for word in words) or \
                    any(word.lower()[: max(NAME_STEM_CHARS, len(word) - 3)] in around for word in words):  # "Ukraine" for "Ukrainian"
                continue  # "Dallas or Las Vegas?": the alternative not chosen is never beside the answer
            holding = [[n for n, _ in self.index.lexical_search(word, RARE_NAME_SENTENCES + 1)] for word in words]
            if all(len(ids) <= RARE_NAME_SENTENCES for ids in holding) and \
                    any(row.doc_id == span.doc_id for ids in holding for row in self.index.rows(ids).values()):
                away.append(" ".join(words))
        return away

    def chosen(self, documents: Iterable[str] | None) -> frozenset[str] | None:
        """The ids of the documents named: an id, or a folder ("minutes/", every document whose id starts
        with it); None for none named (all documents). UnknownDocumentError, with the closest names, for a
        name that is neither."""
        if documents is None:
            return None
        names = [documents] if isinstance(documents, str) else list(documents)
        known = self.index.document_ids()
        known_set = set(known)  # a name is looked up at once; the list stays for the suggestions
        chosen: set[str] = set()
        for name in names:
            found = [doc_id for doc_id in known if doc_id.startswith(name)] if name.endswith("/") else \
                [name] if name in known_set else []
            if not found:
                folders = {doc_id[: end + 1] for doc_id in known for end, char in enumerate(doc_id) if char == "/"}
                close = difflib.get_close_matches(name, sorted(folders) if name.endswith("/") else known, n=5, cutoff=0.5)
                raise UnknownDocumentError(f"no {'folder' if name.endswith('/') else 'document'} {name!r} in the index; "
                                           + (f"did you mean {', '.join(map(repr, close))}?" if close else
                                              f"it holds {len(known):,} documents, such as {', '.join(map(repr, known[:5]))}"))
            chosen.update(found)
        if not chosen:
            raise UnknownDocumentError("no document named to ask within; give document ids, or folders ending in /")
        return frozenset(chosen)

    def candidates(self, question: str, context: str | None = None, previous: Answer | None = None,
                   documents: frozenset[str] | None = None) -> Candidates:
        """Retrieved sentences (best first), the reader's spans with their scores (best first), the
        passages left unread and the question as read.

        The top sentences are read with their neighbours. Two calibrated bars (`confidence`; as
        shipped only `early_exit` is set) read less: with `quick_accept`, the best sentence is read
        alone first and answers when it scores that much; with `early_exit`, the passages are read
        one at a time, best first, and reading stops once an answer scores that much. A `previous`
        answer's sentence (a follow-up's) is read first. Table rows the question names by a value are read
        first, each alone, and answer when a cell of theirs (the one whose header it names, if any) scores
        the calibration's named-cell bar (`Confidence.cell_bar`, `read_named_cells`): on table-qa train questions such cells scoring under the threshold were
        right more often than not. A "Label: value" line's value, named by its label alone, is one more candidate
        of the general reading, and needs the threshold ("Date:" of an e-mail is named by any question saying "date"). The question is read with its misspelt words
        as the retrieved sentences spell them (`as_spelt`). `documents`: the ids to retrieve from (default: all).
        """
        hits = self.retrieve(question, context, previous, documents)
        if not hits:
            return Candidates(hits, [], [], question)
        question = self.as_spelt(question, hits)
        cells = self.scored(question, hits, self.read_named_cells(question, hits))
        bar = self.confidence.cell_bar
        if cells and _in_table_row(cells[0][1]) and cells[0][0] >= bar:
            return self._alternative_chosen(Candidates(hits, cells, self.retriever.passages(hits), question, bar))
        labelled = [pair for pair in cells if not _in_table_row(pair[1])]  # a label line's value: one reading among others
        reading = self._general_reading(question, hits)
        scored = self._whole_cells(reading.scored)
        reading = reading._replace(scored=sorted(scored + labelled, key=lambda pair: -pair[0]) if labelled else scored)
        return self._alternative_chosen(reading)

    def _whole_cells(self, scored: list[tuple[float, ReaderSpan]]) -> list[tuple[float, ReaderSpan]]:
        """The spans, each inside a table row's cell that it answers whole (`_answers_whole`) grown to that cell ("Dan M.
        Russell Jr" of "Courthouse: Dan M. Russell Jr. Federal Bldg & U.S. Courthouse"), as a named cell's are."""
        grown = []
        for score, span in scored:
            at, line = (self._sentence_at(span.doc_id, span.start, span.end) or (0, "")) \
                if ROW_SEPARATOR in span.passage.text else (0, "")  # prose: no look-up
            for cell in row_cells(line) if row_key(line) is not None else []:
                start, end = at + cell.start, at + cell.end
                if start <= span.start and span.end <= end and _answers_whole(span.text, cell.value):
                    span = span.model_copy(update={"start": start, "end": end, "text": cell.value})
            grown.append((score, span))
        return grown

    def _alternative_chosen(self, found: Candidates) -> Candidates:
        """For a question offering alternatives ("Dallas or Las Vegas?", `qa.choices`), the alternative that the sentence
        of a reading good enough to answer holds, alone of the two (the reading itself when it is that alternative), at
        that reading's score: of such sentences, the one holding most of the question's other words, then the best
        read; none when a better reading's sentence holds both. A table row's reading is good enough at the named-cell bar: the alternative
        it holds is evidence, as a cell's naming is."""
        choice = offered(found.question)
        if choice is None or not found.scored:
            return self._compared_alternative(found)
        bar = self.confidence.threshold if found.bar is None else found.bar
        asked = content_words(found.question) - content_words(f"{choice.left[-1]} {choice.right[-1]}")
        chosen = []
        for order, (score, span) in enumerate(found.scored):
            at, sentence = self._sentence_at(span.doc_id, span.start, span.end) or (0, "")
            needed = min(bar, self.confidence.cell_bar) if row_key(sentence) is not None else bar
            if score < needed or not sentence:
                continue
            if (where := chosen_in(choice, sentence)) is not None:
                if chosen_in(choice, span.text) is None or ROW_SEPARATOR in span.text:  # the alternative, not the reading
                    start, end = at + where[0], at + where[1]
                    span = span.model_copy(update={"start": start, "end": end, "text": sentence[where[0] : where[1]]})
                chosen.append((-len(asked & content_words(sentence)), order, score, span, needed))
            elif holds_both(choice, sentence) and not chosen:
                return found
        if not chosen:
            return found
        *_, score, span, needed = min(chosen, key=lambda reading: reading[:2])
        return found._replace(scored=[(score, span)] + found.scored, bar=min(bar, needed))

    def _compared_alternative(self, found: Candidates) -> Candidates:
        """For a question comparing its alternatives by a number ("did A or B have a higher average attendance?",
        `qa.choices.compared`), the alternative whose table row's named cell holds the larger (or smaller) number: each
        alternative's first retrieved row that holds it alone and a number in the one cell the question names by header.
        It answers at the best score a reading of either row has, which must reach the named-cell bar (`Confidence.cell_bar`)."""
        comparison = compared(found.question)
        if comparison is None:
            return found
        choice, larger = comparison
        rows: dict[bool, tuple[float, str, int, str]] = {}  # side: (number, document, row start, row text)
        for hit in found.hits:
            doc_id, lines = self.table_row(hit.row)  # a wide row's lines together
            text = self.index.document(doc_id).text[lines[0][0] : lines[-1][1]]
            side = side_in(choice, text)
            match = named_row(found.question, text) if side is not None and side not in rows else None
            if match and match.by_header and len(match.answers) == 1 and (number := as_number(match.answers[0].value)) is not None:
                rows[side] = (number, doc_id, lines[0][0], text)
        if len(rows) != 2 or rows[True][0] == rows[False][0]:
            return found
        _, doc_id, row_start, text = rows[(rows[True][0] > rows[False][0]) == larger]
        readings = [(score, span) for score, span in found.scored if any(
            span.doc_id == row[1] and row[2] <= span.start and span.end <= row[2] + len(row[3]) for row in rows.values())]
        if not readings or readings[0][0] < self.confidence.cell_bar:
            return found
        start, end = chosen_in(choice, text)
        span = readings[0][1].model_copy(update={"doc_id": doc_id, "start": row_start + start, "end": row_start + end,
                                                 "text": text[start:end]})
        return found._replace(scored=[(readings[0][0], span)] + found.scored, bar=self.confidence.cell_bar)

    def _general_reading(self, question: str, hits: list[RetrievedSentence]) -> Candidates:
        """The retrieved sentences read with their neighbours, or less (`quick_accept`, `early_exit`: `candidates`)."""
        if self.confidence.quick_accept is not None:
            quick = self.scored(question, hits, self.read(question, hits[:1], neighbours=0))
            if quick and quick[0][0] >= self.confidence.quick_accept:
                return Candidates(hits, quick, self.retriever.passages(hits), question)
        if self.confidence.early_exit is not None:
            return Candidates(hits, *self.read_until(question, hits, self.confidence.early_exit), question)
        return Candidates(hits, self.scored(question, hits, self.read(question, hits)), [], question)

    def retrieve(self, question: str, context: str | None = None, previous: Answer | None = None,
                 documents: frozenset[str] | None = None) -> list[RetrievedSentence]:
        """The sentences nearest to the question (and to `context`, when given), best first, of the
        `documents` ids when given; the `previous` answer's sentence first, when it is still indexed."""
        first = []
        if previous is not None and previous.source is not None:
            source = previous.source
            first = [n for n, _ in self.index.rows_overlapping(source.doc_id, source.sentence_start, source.sentence_end)][:1]
        first += [n for n in self._rows_naming_cells(question, documents) if n not in first]
        return self.retriever.sentences(f"{question} {context}" if context else question, first=first, documents=documents)

    def _rows_naming_cells(self, question: str, documents: frozenset[str] | None) -> list[int]:
        """The table rows, among the best word matches of the question (without what it sets aside), that the
        question names (`qa.cells`) and by no fewer of its words than another (`NamedRow.outnamed_by`), those it
        names by more values first, then those whose cells it names by header, at most MAX_NAMED_ROWS: look-alike
        rows that similarity alone mixes up. Of rows named alike, the first or last in the document comes first when
        the question asks for it (`asked_in_order`). A row named by no value (a "Label: value" line named by its
        label) is not looked for so."""
        found = self.index.lexical_search(without_set_aside(question), NAMED_ROW_DEPTH)
        rows = self.index.rows([n for n, _ in found])
        named = []
        for n, _ in found:
            row = rows.get(n)
            match = named_row(question, self.index.sentence_text(n)) if row and (documents is None or row.doc_id in documents) else None
            if match and match.keys:
                named.append((match, n))
        named = [(match, n) for match, n in named if not any(match.outnamed_by(other) for other, _ in named)]
        named.sort(key=lambda pair: (-pair[0].names, not pair[0].by_header))  # stable: the best word match first of equals
        ids = [n for _, n in named]
        alike = [n for match, n in named if (match.names, match.by_header) == (named[0][0].names, named[0][0].by_header)]
        if len(alike) > 1 and (ordinal := asked_in_order(question, [self.index.sentence_text(n) for n in alike])):
            place = {n: (rows[n].doc_id, rows[n].start) for n in alike}  # "the last season Mike Scott started": his last row
            ids.insert(0, (min if ordinal == "first" else max)(alike, key=place.get))
        return list(dict.fromkeys(ids))[:MAX_NAMED_ROWS]

    def as_spelt(self, question: str, hits: list[RetrievedSentence]) -> str:
        """The question with its misspelt words as the retrieved sentences spell them (`qa.spelling`)."""
        return respelt(question, (passage.text for passage in self.retriever.passages(hits, 0)))

    def read(self, question: str, hits: list[RetrievedSentence], neighbours: int | None = None) -> list[ReaderSpan]:
        """The reader's candidate spans in the hits' passages, before scoring (see `kept`)."""
        return self.kept(question, self.reader.read(question, self.retriever.passages(hits, neighbours)) if hits else [])

    def read_named_cells(self, question: str, hits: list[RetrievedSentence]) -> list[ReaderSpan]:
        """The reader's spans in the cells the question names (`qa.cells`), in the hits' rows it names by the most
        values and words (`NamedRow.outnamed_by`; a wide row's lines together, `table_row`), each line read alone:
        the cells named by header, or, when it names no header, any cell but those naming the row; of rows named
        alike, those whose context the question names most (`context_named`). A span of a cell's header and value is
        its value's part; a span inside a short cell (`_answers_whole`) grows to the whole cell. The spans `kept` only."""
        matches = {}
        for hit in hits:
            doc_id, lines = self.table_row(hit.row)
            start, end = lines[0][0], lines[-1][1]
            if (doc_id, start) not in matches and (match := named_row(question, self.index.document(doc_id).text[start:end])):
                matches[doc_id, start] = (match, lines, hit)
        contexts = {place: self.index.document(place[0]).context_at(place[1]) for place in matches}
        rows_say = " ".join(self.index.document(doc_id).text[start : lines[-1][1]] for (doc_id, start), (_, lines, _) in matches.items())
        named_where = {place: context_named(question, contexts[place], rows_say) for place in matches}
        matches = {place: named for place, named in matches.items()
                   if named_where[place] == max(named_where.values())}  # "in the infobox": the rows standing there
        matches = {place: named for place, named in matches.items()
                   if not any(named[0].outnamed_by(other) for other, *_ in matches.values())}  # "deep red" over "red"
        named_by = {place: (match.names, context_named(question, contexts[place]))
                    for place, (match, *_) in matches.items()}  # rows named by more values first, then by their context
        most = max(named_by.values(), default=None)
        matches = {place: named for place, named in matches.items() if named_by[place] == most}
        if any(match.by_header for match, *_ in matches.values()):
            matches = {place: named for place, named in matches.items() if named[0].by_header}
        if len(matches) > 1 and (ordinal := asked_in_order(question, [self.index.document(doc_id).text[start : lines[-1][1]]
                                                                      for (doc_id, start), (_, lines, _) in matches.items()])):
            place = (min if ordinal == "first" else max)(matches)  # "the last season Mike Scott started": his last row
            matches = {place: matches[place]}
        best: dict[tuple[str, int, int], ReaderSpan] = {}
        for (doc_id, row_start), (match, lines, hit) in matches.items():
            passages = [_with_cells_beside(self.retriever.passage(doc_id, start, end, hit.score), match.keys, row_start)
                        for start, end in lines]
            for span in self.reader.read(question, passages, top_n=NAMED_CELL_SPANS * len(passages)):
                for cell in match.answers:
                    start, end = row_start + cell.start, row_start + cell.end
                    label = start - len(cell.header) - len(": ")
                    if span.doc_id == doc_id and label <= span.start < start < span.end <= end:  # "Ref: Chapter 4": the header read with its value
                        span = span.model_copy(update={"start": start, "text": span.text[start - span.start:]})
                    if span.doc_id == doc_id and start <= span.start and span.end <= end:
                        if match.keys and _answers_whole(span.text, cell.value):  # a table's cell, not a label line's value
                            span = span.model_copy(update={"start": start, "end": end, "text": cell.value})
                        place = (span.doc_id, span.start, span.end)
                        if place not in best or best[place].log_prob < span.log_prob:
                            best[place] = span
        return self.kept(question, sorted(best.values(), key=lambda span: -span.log_prob))

    def table_row(self, sentence: int) -> tuple[str, list[tuple[int, int]]]:
        """(document, [(start, end) of each line]) of the sentence's table row: the sentence with the lines beside it
        that start with the same key cells (`qa.cells.row_key`) and are of its row (`qa.cells.row_starts`: "Pos: Ret" keys
        many rows), a wide row's other lines; the sentence alone when it is no row line."""
        row = self.index.row(sentence)
        text = self.index.document(row.doc_id).text
        key = row_key(text[row.start : row.end])
        if key is None:
            return row.doc_id, [(row.start, row.end)]
        width = MAX_ROW_LINES
        while True:
            found = self.index.rows(self.index.neighbours(sentence, width))
            ids = sorted(found, key=lambda n: found[n].start)  # in order; one another process just removed is left out
            lines = [(found[n].start, found[n].end) for n in ids]
            first = last = at = ids.index(sentence)
            while first > 0 and text.startswith(key, lines[first - 1][0]):
                first -= 1
            while last < len(lines) - 1 and text.startswith(key, lines[last + 1][0]):
                last += 1
            if first > 0 or at < width:
                break
            width *= 4  # the key's run may start before the lines looked at: its rows are counted from its start
        starts = [first + start for start in row_starts([text[start:end] for start, end in lines[first : last + 1]])]
        begin = starts[bisect(starts, at) - 1]  # the run's row holding the sentence
        return row.doc_id, lines[begin : next((start for start in starts if start > at), last + 1)]

    def read_until(self, question: str, hits: list[RetrievedSentence],
                   bar: float) -> tuple[list[tuple[float, ReaderSpan]], list[Passage]]:
        """Scored spans of the hits' passages read one at a time, best first, until one scores `bar`;
        and the passages left unread."""
        passages, scored, read = self.retriever.passages(hits), [], 0
        for read, spans in enumerate(self.passage_readings(question, passages), start=1):
            scored = self.scored(question, hits, spans)
            if scored and scored[0][0] >= bar:
                break
        return scored, passages[read:]

    def passage_readings(self, question: str, passages: list[Passage]) -> Iterator[list[ReaderSpan]]:
        """After each passage, read one at a time in order (best first), the kept spans of those read so far.

        The reader's top spans across them are kept, so with weights that normalise each window on
        its own (the shipped ones) the last reading is exactly what `read` gives; with shared
        normalisation (`--as-read` training) each passage is normalised alone here.
        """
        spans: list[ReaderSpan] = []
        for passage in passages:
            spans = sorted(spans + self.reader.read(question, [passage]), key=lambda span: -span.log_prob)[:TOP_SPANS]
            yield self.kept(question, spans)

    def kept(self, question: str, spans: list[ReaderSpan]) -> list[ReaderSpan]:
        """The reader's spans that may answer.

        A span must lie inside one indexed sentence: text between sentences (an "Advert" line
        inside a passage, say) is never an answer, nor is a table row that lacks the year the question
        asks for (`lacks_asked_year`: "in 2012" of a row of 1952 to 2007). A question naming a code (a part number, "F-16")
        is answered from a sentence that holds it, or from a document whose title holds it, whenever a
        candidate's does: look-alike entries sit side by side in one passage, and the reader does not
        tell them apart. A code in the title names the whole document, not one line of it (the form
        W-9's header row is no better an answer to a question about Form W-9 than its other lines). A question
        naming a month of a year ("in October 2015") is answered only from a document that names that month and
        year: a November report's figures do not answer for October.
        """
        months = asked_months(question)
        undated = {doc_id for doc_id in {span.doc_id for span in spans} if not self._names_months(doc_id, months)} \
            if months else set()
        sentences = [(span, sentence) for span in spans
                     if span.doc_id not in undated and (sentence := self._sentence_of(span.doc_id, span.start, span.end)) is not None
                     and not lacks_asked_year(question, sentence)]
        codes = identifiers(question)
        naming = [span for span, sentence in sentences
                  if codes and names_every(f"{self.index.document(span.doc_id).title}\n{sentence}", codes)]
        return naming or [span for span, _ in sentences]

    def _names_months(self, doc_id: str, months: list[tuple[int, str]]) -> bool:
        """Does the document name every (month, year) (`asked_months`)?"""
        text = self.index.document(doc_id).text
        return all(holds_month(text, month, year) for month, year in months)

    def scored(self, question: str, hits: list[RetrievedSentence], spans: list[ReaderSpan]) -> list[tuple[float, ReaderSpan]]:
        """Spans with their calibrated scores, best first; when the document's own text answers (a span above the
        threshold), spans set apart from it (readers' comments: `Document.aside_at`) come after its spans."""
        features = span_features(question, hits, spans)
        scored = sorted(((self.confidence.probability(vector), span) for vector, span in zip(features, spans)),
                        key=lambda pair: -pair[0])
        aside = {id(span) for _, span in scored if self.index.document(span.doc_id).aside_at(span.start)}
        if aside and any(score >= self.confidence.threshold and id(span) not in aside for score, span in scored):
            scored.sort(key=lambda pair: id(pair[1]) in aside)  # stable: best first within each
        return scored

    def _sentence_of(self, doc_id: str, start: int, end: int) -> str | None:
        """The text of the one indexed sentence holding the span; None when it lies across or between sentences."""
        found = self._sentence_at(doc_id, start, end)
        return found[1] if found else None

    def _sentence_at(self, doc_id: str, start: int, end: int) -> tuple[int, str] | None:
        """Where the one indexed sentence holding the span starts, and its text; None when the span lies across or
        between sentences."""
        rows = [row for _, row in self.index.rows_overlapping(doc_id, start, end)]
        if len(rows) != 1 or not rows[0].start <= start <= end <= rows[0].end:
            return None
        return rows[0].start, self.index.document(doc_id).text[rows[0].start : rows[0].end]

    def _answer_text_in(self, passage: Passage, text: str) -> list[tuple[str, int, int]]:
        """Where `text` stands verbatim, as whole words inside one sentence, in a passage left unread:
        evidence a shorter reading would otherwise lose."""
        found = (passage.start + match.start() for match in re.finditer(rf"(?<!\w){re.escape(text)}(?!\w)", passage.text))
        return [(passage.doc_id, start, start + len(text)) for start in found
                if self._sentence_of(passage.doc_id, start, start + len(text)) is not None]

    def _after_first(self, preposition: str, scored: list[tuple[float, ReaderSpan]]) -> list[tuple[float, ReaderSpan]]:
        """For a follow-up opening with a preposition ("against whom?"), the best span its document writes right after
        that preposition ("... sanctions against Russia") first, when it scored within DATE_PREFERENCE_MARGIN."""
        for score, span in scored:
            if scored[0][0] - score > DATE_PREFERENCE_MARGIN:
                break
            before = self.index.document(span.doc_id).text[max(0, span.start - len(preposition) - 2) : span.start]
            if re.search(rf"\b{re.escape(preposition)}\s$", before, re.I):
                return [(score, span)] + [pair for pair in scored if pair[1] is not span]
        return scored

    def _wants_usable_date(self, question: str, scored: list[tuple[float, ReaderSpan]]) -> bool:
        """Is this a "when" question whose best answer is a relative date that cannot be resolved (its
        document has no date)?"""
        return bool(scored and WHEN_QUESTION.match(question) and find_relative(scored[0][1].text)
                    and not self._usable_date(scored[0][1]))

    def _usable_date_first(self, question: str, scored: list[tuple[float, ReaderSpan]]) -> list[tuple[float, ReaderSpan]]:
        """For such a question (`_wants_usable_date`, every passage read), a date a reader can use
        instead ("in February", "27 January 2022", or a relative date from a dated document) when it
        scored within DATE_PREFERENCE_MARGIN; the other stays among the alternatives. Unchanged when
        reading on made the best answer usable itself."""
        if not self._wants_usable_date(question, scored):
            return scored
        for score, span in scored[1:]:
            if scored[0][0] - score > DATE_PREFERENCE_MARGIN:
                break
            if self._usable_date(span):
                return [(score, span)] + [pair for pair in scored if pair[1] is not span]
        return scored

    def _usable_date(self, span: ReaderSpan) -> bool:
        return bool(has_explicit_date(span.text) or (find_relative(span.text) and self.index.document(span.doc_id).date))

    def _alternatives(self, scored: list[tuple[float, ReaderSpan]]) -> list[Alternative]:
        """The best other answers, each distinct from the answer and from each other: no two share
        words after normalisation ("in February" and "February" are one reading)."""
        chosen: list[str] = [normalize_answer(scored[0][1].text)]
        found = []
        for score, span in scored[1:]:
            words = normalize_answer(span.text)
            if score < ALTERNATIVE_MIN_SCORE or len(found) == ALTERNATIVES_SHOWN:
                break
            if words and not any(_overlapping(words, other) for other in chosen):
                chosen.append(words)
                note = PREFERRED_DATE if score > scored[0][0] else None  # only a usable date is put before a higher score
                found.append(Alternative(answer=span.text, score=score, source=self._source(span.doc_id, span.start, span.end),
                                         note=note))
        return found

    def _closest(self, hits: list[RetrievedSentence]) -> list[Source]:
        return [self._source(hit.doc_id, hit.start, hit.end) for hit in hits[:CLOSEST_SHOWN]]

    def _source(self, doc_id: str, start: int, end: int) -> Source:
        """A span with the sentence(s) around it, all as offsets into the document."""
        rows = [row for _, row in self.index.rows_overlapping(doc_id, start, end)]
        sentence_start = min([start] + [r.start for r in rows])
        sentence_end = max([end] + [r.end for r in rows])
        document = self.index.document(doc_id)
        return Source(doc_id=doc_id, start=start, end=end, sentence=document.text[sentence_start:sentence_end],
                      sentence_start=sentence_start, sentence_end=sentence_end, page=document.page_at(start),
                      date=document.date, date_source=document.date_source, context=document.context_at(start) or None)


def _name_words(question: str) -> list[list[str]]:
    """The words of each name the question holds (a run of capitalised words, not opening it) that can tell it: of
    MIN_NAME_CHARS or more, with a lower-case letter ("FBI" may never be spelt out), carrying content ("The")."""
    runs = [[word for word in _POSSESSIVE.sub("", run).split()
             if len(word) >= MIN_NAME_CHARS and _HAS_LOWER.search(word) and content_words(word)]
            for run in _NAME.findall(question.strip())]
    return [words for words in runs if words]


def _in_table_row(cell: ReaderSpan) -> bool:
    """Is a named cell's span (read from its line alone, `read_named_cells`) a table row's, not a "Label: value" line's?"""
    return row_key(cell.passage.text) is not None


def _with_cells_beside(passage: Passage, keys: list[Cell], row_start: int) -> Passage:
    """A wide row's line that holds none of the cells naming its row, read with them after its headings ("Pos: Ret | No:
    12 | Rider: Youichi Ui" read under "Grid: 6" for "the rider with number 6 grid"): context, never answered from."""
    if any(passage.start <= row_start + key.start < passage.end for key in keys):
        return passage  # a line holding one of them reads as it is
    beside = " | ".join(f"{key.header}: {key.value}" for key in keys)
    return passage.model_copy(update={"context": " › ".join(part for part in (passage.context, beside) if part)})


def _answers_whole(span: str, cell: str) -> bool:
    """Does a span inside a named cell answer with the whole cell: a short cell (MAX_WHOLE_CELL_WORDS), or one up to
    twice as long of which the span is half ("Disasters are not sorted" of "Disasters are not sorted based on
    numbering") or the opening words ("Dan M. Russell Jr" of "Dan M. Russell Jr. Federal Bldg & U.S. Courthouse")?"""
    words = len(cell.split())
    return words <= MAX_WHOLE_CELL_WORDS or words <= 2 * MAX_WHOLE_CELL_WORDS and (2 * len(span.split()) >= words
                                                                                  or cell.startswith(span))


def _same_answer_in(span: ReaderSpan, best: ReaderSpan) -> tuple[str, int, int] | None:
    """Where `best`'s exact answer text sits in another candidate span ("spokesperson Emily Horne"), if it
    does: every source then holds the answer verbatim, never merely a differently cased twin."""
    inside = span.text.find(best.text)
    return (span.doc_id, span.start + inside, span.start + inside + len(best.text)) if inside >= 0 else None


def _overlapping(words: str, other: str) -> bool:
    """Is one normalised answer a run of whole words of the other?"""
    return f" {words} " in f" {other} " or f" {other} " in f" {words} "


def _one_per_document(places: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    seen, kept = set(), []
    for place in places:
        if place[0] not in seen:
            seen.add(place[0])
            kept.append(place)
    return kept


def index_paths(paths: list[Path], embedder: Embedder, index_dir: Path | None, dates: dict[str, str] | None = None,
                progress: Progress | None = None, ray: str | None = None,
                actors: int | None = None) -> tuple[SentenceIndex, UpdateReport, list[SkippedFile]]:
    """Index the documents under `paths` (`build_or_update`), read one at a time. With `ray` (a cluster's
    address, "auto" for the one `ray start` runs here, or "local" to start one for this build) the
    index at `index_dir` is built anew, its documents read and embedded by `actors` Ray actors
    (default: one per CPU). Also returns the files that were skipped, and why."""
    paths = [Path(p) for p in paths]
    files, skipped = named_files(paths)
    check_dates(dates, [file.doc_id for file in files])
    if ray is None:
        documents = (dated(document, dates) for document in read_files(files, skipped))
        index, report = build_or_update(documents, embedder, index_dir, progress, len(files), no_document_error(paths))
        return index, report, skipped
    if index_dir is None:
        raise QAError("a Ray build writes an index folder: give it one (--index DIR)")
    check_replaceable(Path(index_dir))
    from qa.index.distributed import connect, ray_embedded

    started = connect(None if ray == "local" else ray)
    try:
        model = None if embedder.model_name == DEFAULT_MODEL else embedder.model_name
        index, report = build_new(Path(index_dir), ray_embedded(files, skipped, model, dates, actors, progress),
                                  embedder.identity, embedder.dimension, progress, no_document_error(paths))
    finally:
        if started:
            import ray as ray_module

            ray_module.shutdown()
    return index, report, skipped


def build_or_update(documents: Iterable[Document], embedder: Embedder, index_dir: Path | None,
                    progress: Progress | None = None, total: int = 0,
                    empty_error: CorpusError | None = None) -> tuple[SentenceIndex, UpdateReport]:
    """Index documents: in memory, or updating the index at `index_dir` in place (only changed
    documents are touched), or streaming a new one there when none is usable (`total`: how many
    documents are coming, for progress). `empty_error`, if given, is raised when no document comes,
    and nothing is changed. A folder that holds anything but an index is never replaced
    (IndexStoreError), nor is a read-only index."""
    if index_dir is None:
        return SentenceIndex.build(_listed(documents, empty_error), embedder, progress=progress)
    index_dir = Path(index_dir)
    if not is_index_database(index_dir / DATABASE):
        check_replaceable(index_dir)  # refused at once, before any work, when it holds a user's files
    index = _usable_index(index_dir, embedder, warn=False)
    if index is None:  # one new build at a time: a second waits, then updates what the first built
        index_dir.parent.mkdir(parents=True, exist_ok=True)
        with held_lock(index_dir.parent, waiting=f"a new index at {index_dir} is being built by another process"):
            index = _usable_index(index_dir, embedder, warn=True)
            if index is None:
                return build_new(index_dir, embedded_documents(documents, embedder, total, progress), embedder.identity,
                                 embedder.dimension, progress, empty_error)
    return index, index.update(_listed(documents, empty_error), embedder, progress)


def _usable_index(index_dir: Path, embedder: Embedder, warn: bool) -> SentenceIndex | None:
    """The index at `index_dir` when it can be updated; None when a new one is to be built (`warn`: say why)."""
    if not any(index_dir.glob("*")):  # missing, or an empty folder: simply new
        return None
    try:
        return SentenceIndex.open(index_dir, expected_model=embedder.identity)
    except IndexRebuildableError as error:
        if warn:
            warnings.warn(f"building a new index: {error}", stacklevel=4)
        return None


def _listed(documents: Iterable[Document], empty_error: CorpusError | None) -> list[Document]:
    listed = list(documents)
    if not listed and empty_error is not None:
        raise empty_error
    return listed


_default: Assistant | None = None
_default_lock = threading.Lock()


def default_assistant(progress: Progress | None = None) -> Assistant:
    """The assistant over the bundled seeds, its index built on first use (reporting to
    `progress`) and reused after, by every caller in the process."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant.from_folder([seeds_dir()], default_index_dir(), progress=progress)
        return _default


def ask(question: str) -> Answer:
    """Ask the bundled seeds corpus: `ask("when could Russia invade?")`."""
    return default_assistant().ask(question)


def _overlaps(span: ReaderSpan, answer: Answer) -> bool:
    """Whether `span` lies over the place `answer` was found."""
    source = answer.source
    return source is not None and span.doc_id == source.doc_id and span.start < source.end and source.start < span.end
