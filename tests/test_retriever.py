"""Retrieval: BM25 finds exact tokens, the hybrid score blends it with cosine similarity, and a
part number among a hundred look-alike entries is found."""

import pytest

from qa.index.documents import make_document
from qa.index.lexical import match_expression
from qa.index.retriever import Retriever, fused_scores
from qa.index.store import SentenceIndex

CATALOGUE = "\n".join(f"Part AB-{1000 + n} is a steel bracket of {20 + n % 7} mm, stocked in aisle {n % 13}."
                      for n in range(100))


def test_questions_become_or_queries_of_their_terms_with_codes_as_phrases():
    assert match_expression("Where is part AB-1042 stocked?") == '"part" OR "ab 1042" OR "stocked"'
    assert match_expression("What is the 3.14 value?") == '"3 14" OR "value"'
    assert match_expression("what is it?") is None and match_expression('"; DROP TABLE --') == '"drop" OR "table"'


def test_bm25_ranks_the_exact_code_first(hash_embedder):
    index, _ = SentenceIndex.build([make_document("catalogue.txt", CATALOGUE)], hash_embedder)
    (best, _), *_ = index.lexical_search("Where is part AB-1042 stocked?", 5)
    assert index.sentence_text(best).startswith("Part AB-1042 ")
    assert index.lexical_search("zzz-nothing-matches", 5) == [] and index.lexical_search("the of", 5) == []


def test_hybrid_score_blends_cosine_with_relative_bm25():
    fused = fused_scores({1: 0.5, 2: 0.4, 3: 0.9}, {2: 10.0, 3: 5.0}, weight=0.2)
    assert fused == pytest.approx({1: 0.4, 2: 0.52, 3: 0.82})


def test_hybrid_retrieval_finds_a_part_number_among_look_alikes(hash_embedder):
    index, _ = SentenceIndex.build([make_document("catalogue.txt", CATALOGUE)], hash_embedder)
    retriever = Retriever(index, hash_embedder, k=3)
    best = retriever.sentences("Where is part AB-1042 stocked?")[0]
    assert "AB-1042" in index.sentence_text(best.row)
    vector = hash_embedder.encode(["Where is part AB-1042 stocked?"])[0]
    assert best.score == pytest.approx(index.similarity(vector, best.row), abs=1e-5)  # the score stays the cosine


@pytest.mark.slow
def test_the_assistant_answers_from_the_entry_the_code_names():
    from qa import Assistant

    assistant = Assistant.from_texts({"catalogue.txt": CATALOGUE})
    (best,) = assistant.retriever.sentences("Which aisle is part AB-1077 in?", k=1)
    assert "AB-1077" in assistant.index.sentence_text(best.row)
    answer = assistant.ask("Which aisle is part AB-1077 in?")
    assert answer.source is not None and "AB-1077" in answer.source.sentence
