"""Indexing on a Ray cluster (a local one of 2 CPUs): the same index and answers as the local build,
also when a worker is killed mid-build; unreadable files skipped with their reason; an interrupted
build leaves the previous index as it was."""

import os
import random
import signal
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import SEEDS

ray = pytest.importorskip("ray", reason="the [distributed] extra is not installed") if not os.environ.get(
    "QA_REQUIRE_RAY") else __import__("ray")

from qa.assistant import Assistant, index_paths  # noqa: E402
from qa.eval.seeds_eval import load_items  # noqa: E402
from qa.index import distributed  # noqa: E402
from qa.index.embedder import shared_embedder  # noqa: E402
from qa.index.store import SentenceIndex  # noqa: E402

pytestmark = pytest.mark.slow
WORDS = "river council budget treaty harbour mountain election winter museum bridge".split()


@pytest.fixture(scope="module")
def cluster():
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")  # its own,
    # even while a `ray start` cluster runs on this machine (joining it refuses num_cpus)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The seeds, 40 made-up articles and a damaged PDF."""
    folder = tmp_path_factory.mktemp("corpus")
    for seed in SEEDS.glob("*.txt"):
        (folder / seed.name).write_bytes(seed.read_bytes())
    draw = random.Random(0)
    for number in range(40):
        sentences = [" ".join(draw.choice(WORDS) for _ in range(8)).capitalize() + "." for _ in range(draw.randint(1, 9))]
        (folder / "made" / f"article-{number:02d}.md").parent.mkdir(exist_ok=True)
        (folder / "made" / f"article-{number:02d}.md").write_text(" ".join(sentences), encoding="utf-8")
    (folder / "damaged.pdf").write_bytes(b"%PDF-1.4 not really")
    return folder


@pytest.fixture(scope="module")
def local_index(folder, tmp_path_factory) -> tuple[Path, list]:
    directory = tmp_path_factory.mktemp("local") / "index"
    with pytest.warns(UserWarning, match="damaged.pdf"):
        _, _, skipped = index_paths([folder], shared_embedder(), directory)
    return directory, skipped


def assert_same_index(directory: Path, expected: Path) -> None:
    for table in ("meta", "documents", "sentences"):
        query = f"SELECT * FROM {table} {'WHERE key != ' + repr('index_id') if table == 'meta' else ''} ORDER BY 1"  # each its own id
        assert sqlite3.connect(directory / "index.sqlite").execute(query).fetchall() == \
            sqlite3.connect(expected / "index.sqlite").execute(query).fetchall(), table
    built, wanted = SentenceIndex.open(directory).vectors, SentenceIndex.open(expected).vectors
    assert np.array_equal(built.live()[0], wanted.live()[0])
    assert np.abs(built.live()[1] - wanted.live()[1]).max() <= 1e-5


def test_a_ray_build_is_the_local_build_with_the_same_answers(cluster, folder, local_index, tmp_path):
    with pytest.warns(UserWarning, match="damaged.pdf"):
        _, report, skipped = index_paths([folder], shared_embedder(), tmp_path / "index", ray="local", actors=2)
    assert_same_index(tmp_path / "index", local_index[0])
    assert skipped == local_index[1] and skipped[0].doc_id == "damaged.pdf" and "damaged PDF" in skipped[0].reason
    assert report.sentences == len(SentenceIndex.open(local_index[0]))
    on_ray, local = Assistant.open(tmp_path / "index"), Assistant.open(local_index[0])
    for item in load_items():
        assert on_ray.ask(item.question).model_dump() == local.ask(item.question).model_dump(), item.question


def gone(pid: int, wait_seconds: float = 30.0) -> bool:
    """Whether the process has left the embedding workers, allowing a loaded machine time to reap it."""
    deadline = time.monotonic() + wait_seconds
    while pid in embedding_workers():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def embedding_workers() -> list[int]:
    """Process ids of the Ray actors that embed."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"MapBatches(_Embedding)" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_a_worker_killed_mid_build_changes_nothing(cluster, folder, local_index, tmp_path, monkeypatch):
    monkeypatch.setattr(distributed, "DOCUMENTS_PER_BATCH", 3)  # many batches, so work is left when it dies
    killed = []

    def kill_once(phase, done, total):
        if not killed and done >= 2:
            killed.append(embedding_workers()[0])
            os.kill(killed[0], signal.SIGKILL)

    with pytest.warns(UserWarning, match="damaged.pdf"):
        index_paths([folder], shared_embedder(), tmp_path / "index", progress=kill_once, ray="local", actors=2)
    assert killed and gone(killed[0])
    assert_same_index(tmp_path / "index", local_index[0])


def test_an_interrupted_ray_build_leaves_the_previous_index(cluster, folder, local_index, tmp_path):
    index_paths([SEEDS], shared_embedder(), tmp_path / "index")
    before = SentenceIndex.open(tmp_path / "index").document_ids()

    def interrupt(phase, done, total):
        if done == 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), pytest.warns(UserWarning):
        index_paths([folder], shared_embedder(), tmp_path / "index", progress=interrupt, ray="local", actors=2)
    assert SentenceIndex.open(tmp_path / "index").document_ids() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]
    with pytest.warns(UserWarning, match="damaged.pdf"):
        index_paths([folder], shared_embedder(), tmp_path / "index", ray="local", actors=2)  # and starts again cleanly
    assert_same_index(tmp_path / "index", local_index[0])
