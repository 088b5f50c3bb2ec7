"""Retrieval: BM25 finds exact tokens, the hybrid score blends it with cosine similarity, and a
part number among a hundred look-alike entries is found."""

import pytest

from qa.index.documents import make_document
from qa.index.lexical import identifiers, match_expression, names_every
from qa.index.retriever import Retriever, fused_scores
from qa.index.store import SentenceIndex

CATALOGUE = "\n".join(f"Part AB-{1000 + n} is a steel bracket of {20 + n % 7} mm, stocked in aisle {n % 13}."
                      for n in range(100))


def test_questions_become_or_queries_of_their_terms_with_codes_as_phrases():
    assert match_expression("Where is part AB-1042 stocked?") == '"part" OR "ab 1042" OR "stocked"'
    assert match_expression("What is the 3.14 value?") == '"3 14" OR "value"'
    assert match_expression("what is it?") is None and match_expression('"; DROP TABLE --') == '"drop" OR "table"'


def test_codes_are_found_in_questions_and_matched_whole_in_sentences():
    assert identifiers("Which aisle is part AB-1077 in, near the F-16 and the A380?") == {"ab 1077", "f 16", "a380"}
    assert identifiers("Did the 49ers win in 2016 with 5G?") == set()  # ordinals, years and "5G" are not codes
    assert names_every("Part AB-1077 is stocked in aisle 12.", {"ab 1077"})
    assert not names_every("Part AB-10770 is stocked in aisle 12.", {"ab 1077"})
    assert not names_every("Part AB-1076 is stocked in aisle 11.", {"ab 1077"}) and names_every("anything", set())


def test_bm25_ranks_the_exact_code_first(hash_embedder):
    index, _ = SentenceIndex.build([make_document("catalogue.txt", CATALOGUE)], hash_embedder)
    (best, _), *_ = index.lexical_search("Where is part AB-1042 stocked?", 5)
    assert index.sentence_text(best).startswith("Part AB-1042 ")
    assert index.lexical_search("zzz-nothing-matches", 5) == [] and index.lexical_search("the of", 5) == []


def test_bm25_matches_words_by_their_stems(hash_embedder):
    text = "The negotiators will meet again in Berlin. The talks ended early. Prices rose in spring."
    index, _ = SentenceIndex.build([make_document("news.txt", text)], hash_embedder)
    (meeting, _), *_ = index.lexical_search("When is the next meeting?", 5)
    assert index.sentence_text(meeting) == "The negotiators will meet again in Berlin."
    (talked, _), *_ = index.lexical_search("Who talked?", 5)
    assert index.sentence_text(talked) == "The talks ended early."


def test_an_index_made_with_exact_words_matches_them_until_its_next_update_remakes_it(hash_embedder, monkeypatch, tmp_path):
    from qa.index import lexical

    text = "The negotiators will meet again. Meeting rooms are booked."
    monkeypatch.setattr(lexical, "TOKENIZER", "unicode61 remove_diacritics 2")  # as indexes were made before stems
    made = SentenceIndex.create(hash_embedder.identity, hash_embedder.dimension, tmp_path / "index")
    made.update([make_document("news.txt", text)], hash_embedder)
    made.close()
    monkeypatch.undo()
    index = SentenceIndex.open(tmp_path / "index")
    assert [index.sentence_text(n) for n, _ in index.lexical_search("the meeting", 5)] == ["Meeting rooms are booked."]
    index.update([make_document("news.txt", text), make_document("more.txt", "They met in May.")], hash_embedder)
    found = {index.sentence_text(n) for n, _ in index.lexical_search("the meeting", 5)}
    assert found == {"The negotiators will meet again.", "Meeting rooms are booked."}  # stems now
    index.update([make_document("news.txt", text)], hash_embedder)  # removing a sentence still finds its words
    assert {index.sentence_text(n) for n, _ in index.lexical_search("May", 5)} == set()
    reopened = SentenceIndex.open(tmp_path / "index")
    assert {reopened.sentence_text(n) for n, _ in reopened.lexical_search("meet", 5)} == {
        "The negotiators will meet again.", "Meeting rooms are booked."}


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


def test_a_sentence_repeated_across_documents_fills_one_place(hash_embedder):
    quoted = "The harbour crane lifts forty tonnes."
    documents = [make_document(f"reply-{n}.txt", f"{quoted} Reply number {n} agrees with the plan.") for n in range(5)]
    documents.append(make_document("spec.txt", "The harbour crane was built in 1990. Its cab is painted blue."))
    index, _ = SentenceIndex.build(documents, hash_embedder)
    hits = Retriever(index, hash_embedder, k=3).sentences("how much does the harbour crane lift?")
    texts = [index.sentence_text(hit.row) for hit in hits]
    assert len(hits) == 3 and len(set(texts)) == 3 and quoted in texts  # not three copies of it
