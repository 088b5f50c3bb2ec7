"""Sentence splitting keeps exact offsets and copes with the seeds' tricky lines."""

import pytest

from conftest import REPO
from qa.index.documents import make_document
from qa.index.sentences import is_boilerplate, split_sentences


def sentences_of(text: str, begin: int = 0) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text, begin)]


def test_offsets_are_exact_ordered_and_trimmed(seed_texts):
    for text in seed_texts.values():
        spans = split_sentences(text)
        assert spans
        for span, following in zip(spans, spans[1:] + [None]):
            piece = text[span.start : span.end]
            assert piece and piece == piece.strip()
            assert following is None or span.end <= following.start


def test_abbreviations_do_not_end_sentences():
    assert sentences_of("The U.S. said no. Then Mr. Smith left. Dr. Who stayed.") == [
        "The U.S. said no.", "Then Mr. Smith left.", "Dr. Who stayed."]


def test_quotations_stay_whole():
    straight = "'It remains up to Russia to decide how to respond. We're ready either way,' he said, per the BBC."
    curly = "“He has said this publicly and we have been warning about this for months. ”"
    assert sentences_of(straight) == [straight]
    assert sentences_of(curly) == [curly]


def test_tweet_sentences_and_attribution(seed_texts):
    text = seed_texts["001_d95d3f940847946e.txt"]
    found = sentences_of(text)
    assert "Had a long phone conversation with @POTUS." in found
    attribution = next(s for s in found if s.startswith("pic.twitter.com/"))
    assert attribution.endswith("(@ZelenskyyUa) January 27, 2022")


def test_lines_without_final_punctuation_are_their_own_sentences(seed_texts):
    found = sentences_of(seed_texts["000_7c3df8a57b36a49b.txt"])
    assert found.count("Advert") == 3
    assert "If you have a story you want to tell, send it to UNILAD via [email protected]" in found
    assert found[-1] == "Topics: Joe Biden, Russia, Vladimir Putin"


def test_boilerplate_is_recognised():
    assert is_boilerplate("Advert")
    assert is_boilerplate("Topics: Joe Biden, Russia, Vladimir Putin")
    assert not is_boilerplate("Parts of Ukraine have been at war since 2014.")


@pytest.mark.parametrize("line", ["Date: 08/01/2017", "ISIN: US5949181045", "Page(s):  Reporting", "Net income: $7m"])
def test_a_labelled_field_is_indexed_however_short(line):
    assert not is_boilerplate(line)


@pytest.mark.parametrize("line", ["Note:", "12:30", "Tags: harbour, ferry", "Advert"])
def test_a_label_without_a_value_a_time_or_a_tag_list_is_not_a_field(line):
    assert is_boilerplate(line)


def test_metadata_date_line_is_kept_out_of_sentences(seed_texts):
    document = make_document("b.txt", seed_texts["001_d95d3f940847946e.txt"])
    assert document.date == "2022-01-28"
    body = sentences_of(document.text, document.body_start)
    assert not any("date 2022" in s for s in body)
    assert body[0].startswith("The White House says")


def test_run_on_text_is_cut_into_bounded_pieces_with_exact_offsets():
    from qa.index.sentences import MAX_SENTENCE_CHARS

    text = "intro. " + "word " * 2000 + "\n" + "x" * 1500 + "\rlast line here."
    spans = split_sentences(text)
    assert all(0 < span.end - span.start <= MAX_SENTENCE_CHARS for span in spans)
    assert all(text[s.start] != " " and text[s.end - 1] != " " for s in spans)
    covered = "".join(text[s.start : s.end] for s in spans).replace(" ", "")
    assert covered == text.replace(" ", "").replace("\n", "").replace("\r", "")
    assert text[spans[-1].start : spans[-1].end] == "last line here."  # a lone CR ends a line too


GOLDEN_RULES = REPO.parent / "shared" / "datasets" / "sentence-golden-rules" / "english_golden_rules.py"


@pytest.mark.skipif(not GOLDEN_RULES.exists(), reason="../shared/datasets/sentence-golden-rules is not beside the repository")
def test_golden_rules_pass_with_exact_offsets():
    from qa.eval.sentence_benchmark import load_rules, squeeze

    passed = 0
    for text, expected in load_rules(GOLDEN_RULES):
        spans = split_sentences(text)
        assert all(text[s.start : s.end] == text[s.start : s.end].strip() and s.end > s.start for s in spans)
        passed += [squeeze(text[s.start : s.end]) for s in spans] == [squeeze(e) for e in expected]
    assert passed >= 44


def test_abbreviations_end_a_sentence_only_before_a_word_that_starts_one():
    assert sentences_of("Let's ask Jane and co. They should know. I live in the U.S. How about you?") == [
        "Let's ask Jane and co.", "They should know.", "I live in the U.S.", "How about you?"]
    assert sentences_of("The U.S. President met J. A. Hobson and Albert I. Jones. See p. 55 and No. 7 of Vol. 2.") == [
        "The U.S. President met J. A. Hobson and Albert I. Jones.", "See p. 55 and No. 7 of Vol. 2."]
    assert sentences_of("Prices rose in oil. 71% of it is imported.") == ["Prices rose in oil.", "71% of it is imported."]


def test_inline_lists_start_a_sentence_at_each_marker_but_numbers_in_prose_do_not():
    assert sentences_of("1.) The first item 2.) The second item") == ["1.) The first item", "2.) The second item"]
    assert sentences_of("a. The first item b. The second item") == ["a. The first item", "b. The second item"]
    prose = "There are primes of the form n2 + 1. These are special cases 2. Legendre's view differs."
    assert sentences_of(prose)[0] == "There are primes of the form n2 + 1."


def test_a_table_row_is_one_sentence_whatever_stops_its_cells_hold():
    text = "The league table follows. It lists every club.\nClub: Lions | Avg. Attendance: 31,000 | Coach: J. Smith. Jr\n" \
           "Oslo | St. Olav | No. 4"
    assert sentences_of(text) == ["The league table follows.", "It lists every club.",
                                  "Club: Lions | Avg. Attendance: 31,000 | Coach: J. Smith. Jr", "Oslo | St. Olav | No. 4"]


def test_a_row_over_the_sentence_limit_is_cut_only_between_cells_with_exact_offsets():
    from qa.index.sentences import MAX_SENTENCE_CHARS

    cells = [f"Measure {number}. Avg: {number}.5 units" for number in range(60)]
    text = "Intro sentence here.\n  " + " | ".join(cells) + "  \nLast line here."
    spans = split_sentences(text)
    pieces = [text[s.start : s.end] for s in spans]
    assert pieces[0] == "Intro sentence here." and pieces[-1] == "Last line here." and len(pieces) > 4
    assert all(0 < span.end - span.start <= MAX_SENTENCE_CHARS for span in spans)
    row = pieces[1:-1]
    assert [cell for piece in row for cell in piece.split(" | ")] == cells  # every cut falls between two cells


def test_a_short_table_row_of_named_cells_is_indexed_however_few_its_words():
    from qa.index.sentences import answerable_sentences, is_boilerplate

    text = "Year: 2003 | Votes: 459,640\nAdvert\nok"
    assert [text[s.start : s.end] for s in answerable_sentences(text)] == ["Year: 2003 | Votes: 459,640"]
    assert is_boilerplate("2003 | 459,640")  # cells without their names stay fragments
