"""Table cells a question names by its row's key and the cell's header: found in the row lines the readers
write, read first, each row alone, and answered from whole, as exact spans of the document."""

import re

import pytest

from qa.assistant import Assistant, _answers_whole, _with_cells_beside
from qa.cells import asked_in_order, lacks_asked_year, named_row, row_cells, row_key, row_starts, without_set_aside
from qa.confidence import Confidence
from qa.index.documents import make_document
from qa.index.retriever import Passage
from qa.index.store import SentenceIndex
from qa.models import ReaderSpan


@pytest.mark.parametrize("question, line, named", [
    ("what is the Permit count for Kentucky?", "State: Kentucky | Permit: 264,140 | Handgun: 12,155", ["264,140"]),
    ("what is the permit count for kentucky?", "State: Kansas | Permit: 9,140 | Handgun: 2,155", []),  # another row
    ("GDP per capita for Norway in 2007?", "country: Norway | gdpPercap_2002: 44683.9 | gdpPercap_2007: 49357.1", ["49357.1"]),
    ("What Guidance reference is given for DSTRYD_INDR?", "Name: DSTRYD_INDR | Guidance Ref: Chapter 4 | Guidance Page: 56",
     ["Chapter 4"]),  # "Ref" stands for "reference"
    ("who were the color commentators in 1968?", "Season: 1968 | Play-by-play: Ray Scott | Color commentator(s): Paul Christman",
     ["Paul Christman"]),  # "(s)" is no word a question holds
    ("What is the Totals figure for Ohio?", "State: Totals | Totals: 2,236,457", []),  # the column named, not the row
    ("What is the Totals figure for Ohio?", "State: Ohio | Totals: 103,836", ["103,836"]),
    ("Which city is at index 4?", "index: 4 | Name: Changi | City: Singapore", ["Singapore"]),  # a short number after its header
    ("Which city is 4th?", "index: 4 | Name: Changi | City: Singapore", []),  # "4" alone is no key named
    ("Who is the owner?", "Owner: Ada | Pets: 2", []),  # no row key named
    ("Texas handgun checks (the main column, not pre-pawn or other)?", "State: Texas | Pre-Pawn Handgun: 29 | Other: 3", []),
    ("Texas handgun checks, except pre-pawn ones?", "State: Texas | Pre-Pawn Handgun: 29 | Handgun: 56,941", ["56,941"]),
    ("Which handgun count did Texas not report?", "State: Texas | Pre-Pawn Handgun: 29 | Handgun: 56,941", ["56,941"]),
])
def test_a_question_names_a_cell_by_its_rows_key_and_its_header(question, line, named):
    row = named_row(question, line)
    cells = row.answers if row is not None and row.by_header else []
    assert [cell.value for cell in cells] == named
    assert all(line[cell.start : cell.end] == cell.value for cell in cells)


@pytest.mark.parametrize("question, line, keys, answers, by_header", [
    ("how many silver medals did Pakistan win?", "Rank: 7 | Nation: Pakistan | Gold: 1 | Silver: 36", ["Pakistan"], ["36"], True),
    ("how long did it take Tina Maze to finish?", "Rank: 3 | Name: Tina Maze | Time: 2:20.54", ["Tina Maze"], ["2:20.54"], True),
    ("what did Tina Maze score?", "Rank: 3 | Name: Tina Maze | Time: 2:20.54", ["Tina Maze"], ["3", "2:20.54"], False),
    ("when did Tina Maze race?", "Name: Tina Maze | Race date: 12 May | Time: 2:20.54", ["Tina Maze"], ["12 May"], True),
    ("where did Tina Maze race?", "Name: Tina Maze | Venue: Sochi | Time: 2:20.54", ["Tina Maze"], ["Sochi"], True),
    ("which team drafted Ryan Donnelly?", "Pick: 28 | Player: Ryan Donnelly | CFL Team: Hamilton | College: McMaster",
     ["Ryan Donnelly"], ["Hamilton"], True),  # the asked noun names the header "CFL Team"
    ("what is the only plant with deep red flower colour?", "Name: Tom Knudsen | Flower colour: deep red | Type: double",
     ["deep red"], ["Tom Knudsen"], False),  # named by another value: the row's key is asked for
    ("how many had deep red flowers?", "Name: Tom Knudsen | Flower colour: deep red | Points: 9",
     ["deep red"], ["Tom Knudsen", "9"], False),  # not a thing asked for: any other cell
    ("who raced on 12 May 2009?", "Date: 12 May 2009 | Winner: Tina Maze | Venue: Sochi",
     ["12 May 2009"], ["Tina Maze", "Sochi"], False),  # named by its key, a date: no key to answer with
    ("who raced on Sochi's hill?", "Date: 12 May 2009 | Winner: Tina Maze | Venue: Sochi",
     ["Sochi"], ["12 May 2009", "Tina Maze"], False),  # the key is a date: no name to answer with
    ("which driver has his grid at 2?", "Driver: Jenson Button | Grid: 2 | Laps: 58", ["2"], ["Jenson Button"], True),
    ("who only won 13 silver medals?", "Nation: Italy | Gold: 5 | Silver: 13", ["13"], ["Italy"], False),
    ("who won 13 medals?", "Nation: Italy | Gold: 5 | Silver: 13", None, None, None),  # a number away from its header
    ("what was the total for Ohio?", "State: Totals | Totals: 2,236,457", None, None, None),  # "Totals" is the column's name
    ("who scored in the Gold Cup?", "Rank: 7 | Nation: Pakistan | Gold: 1", None, None, None),  # "1" is too short a value
    ("whose name goes with a partnership account?", "Account: 12. Partnership | Name: The partnership",
     ["12. Partnership"], ["The partnership"], True),  # a list label is no part of the row's name
    ("what is Smith's team?", "Player: J. Smith | Team: Leeds", None, None, None),  # an initial is no list label
    ("Texas handgun checks (not pre-pawn or redemption)?", "State: Texas | Pre-Pawn Other: 0 | Redemption Handgun: 5,748",
     ["Texas"], [], False),  # the cells it sets aside never answer
    ("how many total medals did the netherlands win?", "Rank: 10 | NPC: Netherlands (NED) | Bronze: 19 | Total: 39",
     ["Netherlands (NED)"], ["39"], True),  # a note in brackets is no part of the name
    ("how many total medals did ned win?", "Rank: 10 | NPC: Netherlands (NED) | Total: 39", None, None, None),  # nor the name
    ("which team played between 1949 and 1973?", "Team: Rayleigh Rockets | From: 1949 | To: 1973",
     ["1949", "1973"], ["Rayleigh Rockets"], True),  # two values name their row, numbers too
    ("which team played between 1949 and 1962?", "Team: Hastings | From: 1948 | To: 1949", None, None, None),  # one is not enough
    ("which team played in 1949 and in 1949?", "Team: Hastings | From: 1949 | To: 1949", None, None, None),  # one value twice
    ("which game date had 31,840 people in attendance?", "Date: September 19 | Opponent: LSU | Attendance: 31,840",
     ["31,840"], ["September 19"], True),  # a number with separators and four digits names its row alone
    ("which game had 840 people?", "Date: September 19 | Opponent: LSU | Attendance: 840", None, None, None),  # too short
    ("the song to run 04:20", "Song: Vidinjakka | Length: 04:20", ["04:20"], ["Vidinjakka"], True),
    ("what is the name of the bell with the weight of only 425 kg?", "#: 7 | Name: Petrus | Weight (kg): 425",
     ["425"], ["Petrus"], True),  # a word of its header a few words before the value
    ("which county has only 774 households?", "Rank: 2 | County: McCone | Households: 774", ["774"], ["McCone"], True),
    ("which bell weighs 425 kg?", "#: 7 | Name: Petrus | Weight (kg): 425", None, None, None),  # "weighs" is no header word
    ("what problem was found under the Memorization heuristic?", "Heuristic: Memorization Minimize Load | Problem: None",
     ["Memorization Minimize Load"], ["None"], True),  # a value's leading words beside its header
    ("what problem was found with memorization?", "Heuristic: Memorization Minimize Load | Problem: None",
     None, None, None),  # not without its header
    ("which train number goes to kannur?", "No.: 3. | Train No: 56656 | Destination: Kannur\nNo.: 3. | Train Name: Passenger",
     ["Kannur"], ["56656"], True),  # a wide row's lines: a header is told apart from its own line's others
])
def test_a_row_is_named_by_any_of_its_values_and_answers_from_its_named_or_other_cells(question, line, keys, answers, by_header):
    row = named_row(question, line)
    if keys is None:
        assert row is None
    else:
        assert [c.value for c in row.keys] == keys and [c.value for c in row.answers] == answers and row.by_header == by_header


@pytest.mark.parametrize("question, line, named", [
    ("Which tool detects over provisioning?", "Detect Over Provisioning: Azure Advisor", "Azure Advisor"),  # "detects" holds "detect"
    ("What was the net income in 2023?", "Net income: US$73.4 billion (2023)", "US$73.4 billion (2023)"),
    ("Which tool detects over allocation?", "Detect Over Provisioning: Azure Advisor", None),  # a word of the label missing
    ("What do the notes say?", "Note: If the account is in more than one name, see the instructions for line 1.", None),  # prose
    ("What did the report say in 2019?", "In 2019, the report said: costs rose", None),  # a clause, not a label
    ("What is the revenue?", "Revenue: US$211.9 billion", "US$211.9 billion"),
    ("Who wrote These Weeks in Firefox: Issue 85?", "These Weeks in Firefox: Issue 85 – Nightly News", None),  # about the line
    ("Which Azure tool detects over provisioning?", "Detect Over Provisioning: Azure Advisor", "Azure Advisor"),
])
def test_a_label_line_is_a_row_of_one_cell_named_by_its_label(question, line, named):
    row = named_row(question, line)
    if named is None:
        assert row is None
    else:
        (cell,) = row.answers
        assert row.keys == [] and row.names == 0 and row.by_header and cell.value == named == line[cell.start : cell.end]


def test_rows_looked_for_beyond_retrieval_are_named_by_a_value_not_by_a_label_alone(hash_embedder):
    text = "Tooling\nBudget Control: Azure Cost Management\nRisk: Over Budget | Tool: Azure Budgets\nThe team meets monthly."
    index, _ = SentenceIndex.build([make_document("tools.txt", text)], hash_embedder)
    assistant = Assistant(index, hash_embedder, CellReader(), Confidence.load())
    found = [index.sentence_text(n) for n in assistant._rows_naming_cells("Which tool is for budget control over budget?", None)]
    assert found == ["Risk: Over Budget | Tool: Azure Budgets"]


def test_of_rows_named_alike_the_one_whose_context_the_question_names_is_read(hash_embedder):
    from qa.cells import context_named
    from qa.index.blocks import Heading

    assert context_named("For the Reporting (DISASTERS) component?", "Component: Reporting (DISASTERS)") == 3
    assert context_named("For the Reporting (DISASTERS) component?", "Component: Reporting (STATE)") == 2
    rows = {"STATE": "Problem: No issues identified", "DISASTERS": "Problem: Disasters are not sorted based on numbering"}
    text, headings = "", []
    for component, problem in rows.items():
        headings.append(Heading(start=len(text), end=len(text) + len(f"Component: {component}"), level=1))
        text += f"Component: {component}\nHeuristic: Memorization Minimize Load | {problem}\n"
    index, _ = SentenceIndex.build([make_document("report.txt", text, headings=headings)], hash_embedder)
    assistant = Assistant(index, hash_embedder, CellReader("Problem: ", words=4), Confidence.load())
    question = "For the DISASTERS component, what problem was recorded under the Memorization heuristic?"
    spans = assistant.read_named_cells(question, assistant.retrieve(question))
    assert [span.text for span in spans] == ["Disasters are not sorted based on numbering"]  # grown whole from its first half
    assert all(text[span.start : span.end] == span.text for span in spans)


def test_a_row_standing_where_the_question_says_it_read_comes_before_rows_named_by_more_values(hash_embedder):
    from qa.cells import context_named
    from qa.index.blocks import TextBuilder

    assert context_named("What does the infobox say?", "Harbour Board › Infobox", besides="Net income: 7") == 1
    assert context_named("What net income does the infobox say?", "Harbour Board › Net income", besides="Net income: 7") == 0
    built = TextBuilder()
    built.heading("Harbour Board", 1)
    built.heading("Infobox", 7)
    built.lines(["Founded: 1901", "Net income: US$7.4 million (2023)"])
    built.end_headings(7)
    built.heading("Finances", 2)
    built.lines(["Year: 2022 | Staff: 80 | Net income: 6,900", "Year: 2023 | Staff: 85 | Net income: 7,350"])
    index, _ = SentenceIndex.build([make_document("board.html", built.text, headings=built.headings)], hash_embedder)
    assistant = Assistant(index, hash_embedder, CellReader("Net income: ", words=3), Confidence.load())
    boxed = "What net income does the infobox report for 2023?"
    assert [span.text for span in assistant.read_named_cells(boxed, assistant.retrieve(boxed))] == ["US$7.4 million (2023)"]
    plain = "What net income did the board report for 2023?"
    assert [span.text for span in assistant.read_named_cells(plain, assistant.retrieve(plain))][:1] == ["7,350"]


def test_the_more_values_a_question_names_the_surer_the_row():
    assert named_row("who played Mandy Murphy in 1999?", "Year: 1999 | Title: Any Given Sunday | Role: Mandy Murphy").names == 2
    assert named_row("who played Mandy Murphy in 1999?", "Year: 1999 | Title: Taxman | Role: Nadia").names == 0 + 1
    assert named_row("a partnership?", "Account: • Partnership | Box: Partnership").names == 1  # one value, written twice


@pytest.mark.parametrize("line, key", [
    ("Rank: 17. | Name: Akihito | Nation: Japan", "Rank: 17. | Name: Akihito | "),  # a number and the first text cell
    ("3rd | Year: 2004 | City: Sherbrooke", "3rd | "),
    ("Name: Ada | Born: 1815", "Name: Ada | "),
    ("A sentence, with no cells.", None),
])
def test_a_row_lines_key_is_its_first_cell_and_the_next_after_a_number(line, key):
    assert row_key(line) == key


def test_a_wide_rows_other_lines_answer_for_it(hash_embedder):
    rows = [("1st", "2000", "Oslo", "120"), ("2nd", "2002", "Bergen", "245"), ("3rd", "2004", "Sherbrooke", "243")]
    text = "Games\n" + "\n".join(f"{place} | Year: {year} | City: {city}\n{place} | Athletes: {athletes} | Events: 4{n}"
                                  for n, (place, year, city, athletes) in enumerate(rows)) + "\nThe games are held every two years."
    index, _ = SentenceIndex.build([make_document("games.txt", text)], hash_embedder)
    assistant = Assistant(index, hash_embedder, NumberReader(), Confidence.load())
    line = next(n for n, _ in assistant.index.lexical_search("Sherbrooke 2004", 5) if "Sherbrooke" in assistant.index.sentence_text(n))
    doc_id, lines = assistant.table_row(line)
    assert [text[start:end] for start, end in lines] == ["3rd | Year: 2004 | City: Sherbrooke", "3rd | Athletes: 243 | Events: 42"]
    question = "how many athletes were there in Sherbrooke in 2004?"
    spans = assistant.read_named_cells(question, assistant.retrieve(question))
    assert [span.text for span in spans] == ["243"] and text[spans[0].start : spans[0].end] == "243"
    prose = assistant.index.lexical_search("held every two years", 1)[0][0]
    assert assistant.table_row(prose)[1] == [(len(text) - 35, len(text))]  # no row line: itself alone


def test_rows_sharing_a_key_are_told_apart(hash_embedder):
    riders = [("Ret", "5", "Ada Lind", "3"), ("Ret", "12", "Bo Ek", "6"), ("Ret", "14", "Cy Moss", "9")]
    text = "Race\n" + "\n".join(f"Pos: {pos} | No: {no} | Rider: {name} | Team: Honda\nPos: {pos} | Grid: {grid}"
                                 for pos, no, name, grid in riders)
    text += "\nRes.: Win | Date: 2009 | Round: 3\nRes.: Win | Date: 2011 | Round: 1\nThe race ran in the rain."
    index, _ = SentenceIndex.build([make_document("race.txt", text)], hash_embedder)
    assistant = Assistant(index, hash_embedder, NumberReader(), Confidence.load())
    row_of = {}
    for n, _ in index.rows_overlapping("race.txt", 0, len(text)):
        _, lines = assistant.table_row(n)
        row_of[index.sentence_text(n)] = [text[start:end] for start, end in lines]
    assert row_of["Pos: Ret | Grid: 6"] == ["Pos: Ret | No: 12 | Rider: Bo Ek | Team: Honda", "Pos: Ret | Grid: 6"]
    assert row_of["Pos: Ret | No: 14 | Rider: Cy Moss | Team: Honda"] == ["Pos: Ret | No: 14 | Rider: Cy Moss | Team: Honda",
                                                                         "Pos: Ret | Grid: 9"]
    assert row_of["Res.: Win | Date: 2011 | Round: 1"] == ["Res.: Win | Date: 2011 | Round: 1"]  # one line a row


def test_a_wide_rows_lines_end_where_the_next_row_of_its_key_opens():
    lines = ["Name: Fourth | Steps: 9 | Cents: 150", "Name: Fourth | midi: play | ratio: 4:3", "Name: Fourth | just: 150.6 | midi: play",
             "Name: Fourth | Steps: 21 | Cents: 350"]
    assert row_starts(lines) == [0, 3]  # a header written twice in a row ("midi") does not open another
    assert row_starts(lines[:2]) == [0]


@pytest.mark.parametrize("question, line, other, outnamed", [
    ("what is the only plant with deep red flower colour?", "Name: Bell | Flower colour: red", "Name: Tom | Flower colour: deep red", True),
    ("who is the first pop musician?", "Name: Fred | Notable as: Musician (Right Said)", "Name: Bo | Notable as: Pop musician", True),
    ("who is in the liberal party?", "Name: Ray | Party: Liberal-Progressive", "Name: Will | Party: Liberal", False),  # one word each
    ("Oswalt opened in Minute Maid Park, but in what year in Petco Park?", "Season: 2003 | Pitcher: Oswalt | Park: Minute Maid Park",
     "Season: 2008 | Pitcher: Oswalt | Park: Petco Park", False),  # other words, not more of them
])
def test_a_row_named_by_more_of_the_questions_words_outnames_one_named_by_some_of_them(question, line, other, outnamed):
    assert named_row(question, line).outnamed_by(named_row(question, other)) is outnamed


@pytest.mark.parametrize("question, line, answers", [
    ("how long was the M1894 rifle's barrel?", "Model: M1894 Rifle | Length: 1267 mm | Barrel length: 760 mm", ["760 mm"]),
    ("how long was the M1894 rifle?", "Model: M1894 Rifle | Length: 1267 mm | Barrel length: 760 mm", ["1267 mm", "760 mm"]),
    ("what year did Kelly sign with Bad Boy?", "Act: Kelly | Year signed: 2011 | Albums released under Bad Boy: 1",
     ["2011", "1"]),  # neither header holds the other
])
def test_of_headers_named_by_what_is_asked_for_the_one_holding_more_of_the_question_is_read(question, line, answers):
    assert [cell.value for cell in named_row(question, line).answers] == answers


@pytest.mark.parametrize("span, cell, whole", [
    ("Policy statements", "Policy statements enforced", True),  # a short cell
    ("Disasters are not sorted", "Disasters are not sorted based on numbering", True),  # half of it
    ("Dan M. Russell Jr", "Dan M. Russell Jr. Federal Bldg & U.S. Courthouse", True),  # its opening words
    ("U.S. Courthouse", "Dan M. Russell Jr. Federal Bldg & U.S. Courthouse", False),  # a small part, not the opening
    ("The pier", "The pier was inspected in spring by the harbour authority and found sound", False),  # prose, not a field
])
def test_a_span_answers_with_its_whole_cell_when_the_cell_is_short_or_the_span_half_or_its_opening(span, cell, whole):
    assert _answers_whole(span, cell) is whole


def test_a_wide_rows_line_without_the_naming_cells_is_read_under_them():
    row = "Pos: Ret | No: 12 | Rider: Youichi Ui\nPos: Ret | Grid: 6"
    keys = named_row("which is the only rider with number 6 grid?", row).keys
    rider, grid = (Passage(doc_id="race.txt", start=100 + start, end=100 + end, text=row[start:end], retrieval_score=0.5,
                           rank=0, context="Race") for start, end in [(0, 37), (38, len(row))])
    assert _with_cells_beside(rider, keys, 100).context == "Race › Grid: 6"
    assert _with_cells_beside(grid, keys, 100) == grid  # it holds them: read as it is


def test_rows_are_looked_for_without_what_the_question_sets_aside():
    assert without_set_aside("Handgun checks for Texas (the main column, not pre-pawn or redemption)?") == \
        "Handgun checks for Texas (the main column)?"
    assert without_set_aside("Which state voted, except Ohio?") == "Which state voted, ?"
    assert without_set_aside("Which state did not vote?") == "Which state did not vote?"


def test_row_cells_are_the_named_cells_of_a_row_line_with_their_offsets():
    line = "Year: 2003 | Note: a: b | Votes: 459,640"
    assert [(c.header, c.value, line[c.start : c.end]) for c in row_cells(line)] == [
        ("Year", "2003", "2003"), ("Note", "a: b", "a: b"), ("Votes", "459,640", "459,640")]
    assert row_cells("just a sentence: with a colon") == [] and row_cells("Only: one | notes") == []


@pytest.mark.parametrize("question, lacks", [
    ("What was Austria's GDP per capita in 2012?", True),   # the row's years are 1952 to 2007
    ("What was Austria's GDP per capita in 2007?", False),
    ("What was Austria's GDP per capita?", False),
    ("What was Austria's GDP per capita in 1,000 dollars?", False),  # no year
])
def test_a_row_lacks_a_year_its_headers_do_not_hold(question, lacks):
    line = "country: Austria | gdpPercap_1952: 6137.07 | gdpPercap_2002: 32417.61 | gdpPercap_2007: 36126.49"
    assert lacks_asked_year(question, line) is lacks
    assert not lacks_asked_year("Who won in 2012?", "Year: 2012 | Winner: Ada | Runner-up: Bo")  # years as values
    assert not lacks_asked_year("Who won in 2012?", "Winner 2008: Ada | Runner-up: Bo")  # one header year is no pattern


def test_no_answer_comes_from_a_row_that_lacks_the_asked_year(hash_embedder):
    text = "GDP per capita\n" + "\n".join(f"country: {name} | gdpPercap_2002: {a} | gdpPercap_2007: {b}"
                                           for name, a, b in [("Austria", "32417", "36126"), ("Belgium", "30485", "33692")])
    index, _ = SentenceIndex.build([make_document("gdp.txt", text)], hash_embedder)
    assistant = Assistant(index, hash_embedder, AnyNumberReader(), Confidence.load())
    assert assistant.candidates("What was Austria's GDP per capita in 2007?").scored
    assert not assistant.candidates("What was Austria's GDP per capita in 2012?").scored


class AnyNumberReader:
    """A reader that proposes every number of every passage."""

    def read(self, question, passages, top_n=5):
        return [ReaderSpan(doc_id=p.doc_id, start=p.start + m.start(), end=p.start + m.end(), text=m.group(), log_prob=-0.5,
                           no_answer_log_prob=-9.0, passage=p) for p in passages for m in re.finditer(r"\b\d{5}\b", p.text)]


class NumberReader:
    """A reader that proposes every number of every passage, the later ones a little less likely."""

    def read(self, question, passages, top_n=5):
        return [ReaderSpan(doc_id=p.doc_id, start=p.start + m.start(), end=p.start + m.end(), text=m.group(), log_prob=-0.5 - n / 100,
                           no_answer_log_prob=-9.0, passage=p)
                for p in passages for n, m in enumerate(re.finditer(r"\b\d+\b", p.text))][:top_n]


class CellReader:
    """A reader that proposes, in each passage, the first `words` words of the text after `marker`."""

    def __init__(self, marker="Resolution: ", words=2):
        self.marker, self.words = marker, words

    def read(self, question, passages, top_n=5):
        spans = []
        for passage in passages:
            at = passage.text.find(self.marker)
            if at >= 0:
                start = passage.start + at + len(self.marker)
                text = " ".join(passage.text[at + len(self.marker):].split()[: self.words])
                spans.append(ReaderSpan(doc_id=passage.doc_id, start=start, end=start + len(text), text=text,
                                        log_prob=-0.5, no_answer_log_prob=-9.0, passage=passage))
        return spans


def test_a_named_rows_cell_is_read_alone_and_answered_whole(hash_embedder):
    rows = [f"Risk: {name} | Resolution: Policy statements {state}" for name, state in
            [("Future Proof", "enforced"), ("Over Allocation", "drafted"), ("Budget Overrun", "tracked")]]
    text = "Business risks\n" + "\n".join(rows) + "\nThe team reviews risks monthly and reports them."
    index, _ = SentenceIndex.build([make_document("risks.txt", text)], hash_embedder)
    assistant = Assistant(index, hash_embedder, CellReader(), Confidence.load())
    question = "What is the resolution for the Future Proof risk?"
    (span,) = assistant.read_named_cells(question, assistant.retrieve(question))
    assert span.text == "Policy statements enforced" and text[span.start : span.end] == span.text
    assert assistant.read_named_cells("What is the resolution for the Cost risk?", assistant.retrieve("resolution for Cost")) == []


@pytest.mark.slow
def test_look_alike_rows_are_answered_from_the_row_the_question_names(tmp_path):
    states = ["Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Delaware", "Florida", "Georgia", "Idaho",
              "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland", "Michigan", "Nevada"]
    lines = ["State,Permit,Handgun,Long Gun,Totals"]
    lines += [f'{state},"{(n * 7919) % 90000 + 10000:,}","{(n * 104729) % 50000 + 1000:,}","{n * 311 + 500:,}","{n * 9000 + 70000:,}"'
              for n, state in enumerate(states, start=1)]
    lines.append('Totals,"2,236,457","2,000,001","1,999,999","9,999,999"')
    (tmp_path / "checks.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assistant = Assistant.from_folder([tmp_path])
    text = assistant.index.document("checks.csv").text
    for state, column in [("Kentucky", 1), ("Georgia", 4), ("Iowa", 2)]:
        header = lines[0].split(",")[column]
        expected = next(line for line in lines if line.startswith(state)).split('","')[column - 1].strip('"').split(',"')[-1]
        answer = assistant.ask(f"What is the {header} figure for {state}?")
        assert answer.answer == expected, (state, header, answer.answer)
        assert text[answer.source.start : answer.source.end] == answer.answer


def test_a_code_in_a_documents_title_names_the_document_not_one_line(hash_embedder):
    """"Form W-9" is no reason to answer from the form's header row, the one line that repeats the code; it
    still sets the form apart from another form."""
    from qa.index.retriever import Passage

    form = "Form W-9\nW-9: Rev. October 2018 | Request for: Taxpayer Number\nCall the hotline at 1-800-908-4490 for help."
    other = "Form W-4\nCall the payroll desk at 1-800-555-0100 for help."
    documents = [make_document("w9.txt", form), make_document("w4.txt", other)]
    index, _ = SentenceIndex.build(documents, hash_embedder)
    assistant = Assistant(index, hash_embedder, CellReader(), Confidence.load())

    def span(document, text):
        start = document.text.index(text)
        passage = Passage(doc_id=document.doc_id, start=0, end=len(document.text), text=document.text, retrieval_score=0.5, rank=0)
        return ReaderSpan(doc_id=document.doc_id, start=start, end=start + len(text), text=text, log_prob=-0.5,
                          no_answer_log_prob=-9.0, passage=passage)

    spans = [span(documents[0], "Rev. October 2018"), span(documents[0], "1-800-908-4490"), span(documents[1], "1-800-555-0100")]
    kept = [s.text for s in assistant.kept("What phone number does Form W-9 give for the hotline?", spans)]
    assert kept == ["Rev. October 2018", "1-800-908-4490"]


def test_a_table_rows_named_cell_answers_below_the_threshold_a_label_lines_value_does_not(hash_embedder):
    """A row named by a value and a cell by its header is evidence the reader's score does not see (on table-qa
    train, such cells under the threshold were right more often than not); a "Label: value" line is named by its
    label alone, and needs the threshold."""
    def assistant_over(text):
        index, _ = SentenceIndex.build([make_document("risks.txt", text)], hash_embedder)
        return Assistant(index, hash_embedder, CellReader(), Confidence.load())

    row = assistant_over("Business risks\nRisk: Future Proof | Resolution: Policy statements enforced\nReviewed monthly.")
    question = "What is the resolution for the Future Proof risk?"
    (score, span), *_ = row.candidates(question).scored
    assert span.text == "Policy statements enforced" and score > Confidence.load().named_cell_bar
    row.confidence = row.confidence.model_copy(update={"threshold": score + 0.01})
    assert row.ask(question).answer == "Policy statements enforced"
    label = assistant_over("Business risks\nResolution: Policy statements enforced\nReviewed monthly.")
    label.confidence = row.confidence
    assert label.candidates("What is the resolution?").scored  # read, and named by its label ...
    assert label.ask("What is the resolution?").answer is None  # ... but under the threshold
    row.confidence = row.confidence.model_copy(update={"named_cell_bar": None})  # a reader with no bar of its own
    assert row.ask(question).answer is None


class HeaderAndValueReader:
    """A reader that proposes, in each passage, 'Guidance Ref: ' with the first two words after it."""

    def read(self, question, passages, top_n=5):
        spans = []
        for passage in passages:
            at = passage.text.find("Guidance Ref: ")
            if at >= 0:
                text = "Guidance Ref: " + " ".join(passage.text[at + len("Guidance Ref: "):].split()[:2])
                spans.append(ReaderSpan(doc_id=passage.doc_id, start=passage.start + at, end=passage.start + at + len(text),
                                        text=text, log_prob=-0.5, no_answer_log_prob=-9.0, passage=passage))
        return spans


def test_a_span_of_a_named_cells_header_and_value_answers_with_the_value(hash_embedder):
    text = "Fields\nName: DSTRYD_INDR | Guidance Ref: Chapter 4 Section 7:A | Guidance Page: 56\nEnd of the fields."
    index, _ = SentenceIndex.build([make_document("fields.txt", text)], hash_embedder)
    assistant = Assistant(index, hash_embedder, HeaderAndValueReader(), Confidence.load())
    question = "What Guidance reference is given for DSTRYD_INDR?"
    (span,) = assistant.read_named_cells(question, assistant.retrieve(question))
    assert span.text == "Chapter 4 Section 7:A" == text[span.start : span.end]


class MailReader:
    """Proposes the value of a 'Date: ' line (log-prob -1.0) and the date after 'due on ' (-0.5), where they are read."""

    def read(self, question, passages, top_n=5):
        spans = []
        for passage in passages:
            for marker, length, log_prob in (("Date: ", 15, -1.0), ("due on ", 11, -0.5)):
                at = passage.text.find(marker)
                if at >= 0:
                    start = passage.start + at + len(marker)
                    text = passage.text[at + len(marker): at + len(marker) + length]
                    spans.append(ReaderSpan(doc_id=passage.doc_id, start=start, end=start + len(text), text=text,
                                            log_prob=log_prob, no_answer_log_prob=-9.0, passage=passage))
        return spans


def test_a_label_lines_value_is_one_reading_among_the_others_not_the_first_taken(hash_embedder):
    """"Date:" of an e-mail is named by any question saying "date"; the general reading still runs, and its better
    span answers."""
    text = "Subject: the report\nDate: Mon, 3 Jan 2022\nThe report is due on 14 February and goes to the board."
    index, _ = SentenceIndex.build([make_document("mail.txt", text)], hash_embedder)
    from qa.confidence import FEATURES

    confidence = Confidence(features=list(FEATURES), weights=[1.0, 0.0, 0.0, 0.0, 0.0], bias=2.0, threshold=0.5)  # both answer
    assistant = Assistant(index, hash_embedder, MailReader(), confidence)
    question = "What is the due date of the report?"
    assert [span.text for span in assistant.read_named_cells(question, assistant.retrieve(question))] == ["Mon, 3 Jan 2022"]
    answer = assistant.ask(question)
    assert answer.answer == "14 February" and text[answer.source.start : answer.source.end] == answer.answer
    assert "Mon, 3 Jan 2022" in [alternative.answer for alternative in answer.alternatives]


def test_a_span_inside_a_short_cell_of_any_read_row_answers_with_the_whole_cell(hash_embedder):
    text = "Courthouses\nCourthouse: Dan Russell Federal Building | City: Gulfport\nEach serves its district."
    index, _ = SentenceIndex.build([make_document("courts.txt", text)], hash_embedder)
    assistant = Assistant(index, hash_embedder, CellReader(marker="Courthouse: "), Confidence.load())
    (score, span), *_ = assistant.candidates("Which courthouse is listed?").scored  # names no row: the general reading
    assert span.text == "Dan Russell Federal Building" and text[span.start : span.end] == span.text


@pytest.mark.parametrize("question, ordinal", [
    ("what was the last season when Mike Scott started?", "last"),
    ("when was the first win by decision?", "first"),
    ("who came in first place?", None),  # a place, not an order
    ("when was their last win?", None),  # the header "Last win" holds the word: a column
    ("which season did Mike Scott start?", None),
])
def test_a_question_asks_for_the_first_or_last_of_rows_in_order(question, ordinal):
    lines = ["Season: 1987 | Pitcher: Mike Scott | Last win: 1986", "Season: 1991 | Pitcher: Mike Scott | Last win: 1990"]
    assert asked_in_order(question, lines if "win?" in question else [line.rpartition(" | ")[0] for line in lines]) == ordinal


def test_of_many_rows_named_alike_the_first_or_last_in_the_document_is_read(hash_embedder):
    rows = [f"Season: {1980 + n} | Pitcher: {'Mike Scott' if n % 2 else 'Nolan Ryan'} | Decision: W" for n in range(16)]
    rows[0] += " after a long rain delay in the ninth inning of a cold night"  # matched less well than the others
    rows[-1] += " after a long rain delay in the ninth inning of a cold night"
    text = "Opening day starters\n" + "\n".join(rows) + "\nThe Astros chose them each spring."
    index, _ = SentenceIndex.build([make_document("starters.txt", text)], hash_embedder)
    assistant = Assistant(index, hash_embedder, CellReader(marker="Season: ", words=1), Confidence.load())
    for question, year in [("What was the last season Mike Scott pitched?", "1995"),
                           ("What was the first season Nolan Ryan pitched?", "1980")]:
        spans = assistant.read_named_cells(question, assistant.retrieve(question))
        assert [span.text for span in spans] == [year]
