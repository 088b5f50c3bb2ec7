"""Span decoding on crafted cases, with a tiny randomly initialised reader: offsets stay exact."""

import numpy as np
import pytest

from qa.index.retriever import Passage
from qa.reader.decode import align_to_words, decode_window
from qa.reader.windows import Window, answer_token_span, tokenize_windows


def passage(text: str, doc_start: int = 0, doc_id: str = "d") -> Passage:
    return Passage(doc_id=doc_id, start=doc_start, end=doc_start + len(text), text=text, retrieval_score=0.5, rank=0)


def test_decoding_never_leaves_the_context_and_respects_max_length():
    offsets = [None, None, None, None, (0, 5), (6, 11), (12, 17), None]  # [CLS] q q [SEP] ctx ctx ctx [SEP]
    start = np.array([9.0, 8.0, 8.0, 0.0, 1.0, 0.0, 3.0, 9.0])
    end = np.array([9.0, 8.0, 8.0, 0.0, 0.0, 2.0, 1.0, 9.0])
    spans = decode_window(start, end, offsets, max_answer_tokens=2)
    assert spans and all(s < e for s, e, _ in spans)
    assert (12, 17) == spans[0][:2]  # best start 6 with its only allowed end
    assert all(e - s <= 11 for s, e, _ in spans)  # at most 2 tokens
    assert (0, 17) not in [(s, e) for s, e, _ in spans]


def test_answer_at_the_window_edge_is_found():
    offsets = [None, None, (0, 3), (4, 9)]
    start = np.array([0.0, 0.0, 0.0, 5.0])
    end = np.array([0.0, 0.0, 0.0, 5.0])
    assert decode_window(start, end, offsets)[0][:2] == (4, 9)


def test_alignment_widens_to_words_and_trims_punctuation():
    text = "He said 'February.' The U.S. agreed, firmly."
    assert align_to_words(text, text.index("ebr"), text.index("ebr") + 3) == (9, 17)  # February
    start = text.index("U.S.")
    assert text[slice(*align_to_words(text, start, start + 4))] == "U.S."
    assert text[slice(*align_to_words(text, text.index("firmly"), len(text)))] == "firmly"


def test_labels_point_at_the_answer_tokens(tiny_reader):
    context = "Negotiators are set to meet again in Berlin in two weeks."
    window = tokenize_windows(tiny_reader.tokenizer, ["Where?"], [context])[0]
    s, e = answer_token_span(window, context.index("Berlin"), context.index("Berlin") + len("Berlin"))
    assert context[window.context_offsets[s][0] : window.context_offsets[e][1]] == "Berlin"
    assert answer_token_span(window, 0, len(context) + 5) == (0, 0)


@pytest.mark.parametrize("prefix", ["", "Володимир Зеленський 🇺🇦 said: ", "Café “naïve” — "])
def test_spans_are_exact_document_text_across_windows(tiny_reader, prefix):
    body = " ".join(f"Sentence number {i} talks about the Kremlin and Kyiv." for i in range(60))
    document = prefix + body
    doc_start = 17
    full_text = "x" * doc_start + document
    spans = tiny_reader.read("What about Kyiv?", [passage(document, doc_start)], top_n=20)
    windows = tokenize_windows(tiny_reader.tokenizer, ["What about Kyiv?"], [document])
    assert len(windows) > 1  # long enough to need several windows
    assert spans
    for span in spans:
        assert full_text[span.start : span.end] == span.text
        assert span.text == span.text.strip() and span.text


def test_several_passages_compare_on_one_scale(tiny_reader):
    first, second = passage("Alpha beta gamma delta.", 0, "a"), passage("Epsilon zeta eta theta.", 0, "b")
    spans = tiny_reader.read("Which letter?", [first, second], top_n=50)
    assert {s.doc_id for s in spans} == {"a", "b"}
    assert [s.log_prob for s in spans] == sorted((s.log_prob for s in spans), reverse=True)
    assert all(s.log_prob <= 0 for s in spans)


def test_window_offsets_ignore_the_question(tiny_reader):
    windows = tokenize_windows(tiny_reader.tokenizer, ["Kyiv Kyiv?"], ["Kyiv is a city."])
    assert isinstance(windows[0], Window)
    assert sum(o is not None for o in windows[0].context_offsets) == len(tiny_reader.tokenizer.encode("Kyiv is a city.", add_special_tokens=False).ids)


@pytest.mark.parametrize("question", ["why " * 155 + "?", "?" * 1000, ", " * 500, "中" * 1000, "a" * 1000])
def test_any_question_up_to_the_limit_leaves_room_for_the_context(tiny_reader, question):
    """Long questions once left the tokenizer no room ("stride must be strictly less than max_len")."""
    text = "The council met in Geneva on Tuesday. " * 20
    spans = tiny_reader.read(question, [passage(text)])
    assert spans and all(text[s.start : s.end] == s.text for s in spans)


def test_invisible_controls_never_sit_at_an_answers_edges():
    text = "code 1234 \u202e5678\u202c 9 end"
    start, end = align_to_words(text, text.index("\u202e"), text.index("\u202c") + 1)
    assert text[start:end] == "5678"
    assert align_to_words("\u200b\u200b", 0, 2) == (2, 2)


def test_a_context_the_reader_prefers_never_crowds_out_the_passages_spans(tiny_reader):
    """The reader reads the headings first and may like their words best; the spans it returns still
    come from the passage (before, the top spans were picked first, all in the headings, and dropped)."""
    import copy

    reader = copy.copy(tiny_reader)
    reader.forward = lambda arrays: (-np.arange(arrays["input_ids"].shape[1], dtype=np.float32)[None, :],) * 2  # earliest best
    text = "conda remove --name my_env --all\nwill delete the environment"
    heading = Passage(doc_id="d", start=0, end=len(text), text=text, retrieval_score=0.5, rank=0,
                      context="Introduction to Anaconda and conda environments › Activate your virtual environment")
    spans = reader.read("Which command deletes the environment?", [heading])
    assert spans and all(text[span.start : span.end] == span.text for span in spans)
