"""Nothing of the user's is lost: a folder that is not an index is never replaced, writers exclude
each other, a running build is never taken for a dead one, and read-only, full or damaged indexes
are said in one line."""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from qa import Assistant
from qa.assistant import build_or_update
from qa.errors import IndexStoreError
from qa.index import folders, store
from qa.index.documents import make_document
from qa.index.store import SentenceIndex

from conftest import REPO


def docs(**texts):
    return [make_document(name, text) for name, text in texts.items()]


def user_folder(path: Path) -> Path:
    path.mkdir()
    (path / "thesis.txt").write_text("Four years of my work.")
    return path


def test_a_folder_holding_other_files_is_refused_and_left_as_it_was(tmp_path, hash_embedder):
    folder = user_folder(tmp_path / "v")
    with pytest.raises(IndexStoreError, match=r"holds files that are not part of an index \(thesis.txt\).*v-index"):
        build_or_update(docs(a="One cat sat on the mat."), hash_embedder, folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v"]
    assert [p.name for p in folder.iterdir()] == ["thesis.txt"] and (folder / "thesis.txt").read_text() == "Four years of my work."


def test_an_index_with_a_user_file_added_is_updated_in_place_never_replaced(tmp_path, hash_embedder):
    build_or_update(docs(a="One cat sat on the mat."), hash_embedder, tmp_path / "ix")
    (tmp_path / "ix" / "notes.txt").write_text("mine")
    index, _ = build_or_update(docs(a="Two dogs ran far away."), hash_embedder, tmp_path / "ix")
    assert index.document_ids() == ["a"] and (tmp_path / "ix" / "notes.txt").read_text() == "mine"
    (tmp_path / "ix" / store.DATABASE).write_bytes(b"not a database at all" * 100)  # damaged: would be rebuilt...
    with pytest.raises(IndexStoreError, match="notes.txt"):
        build_or_update(docs(a="Two dogs ran far away."), hash_embedder, tmp_path / "ix")  # ...but not over notes.txt
    assert (tmp_path / "ix" / "notes.txt").read_text() == "mine"


def test_from_folder_never_replaces_the_folder_it_reads(tmp_path):
    folder = user_folder(tmp_path / "docs")
    with pytest.raises(IndexStoreError, match="thesis.txt"):
        Assistant.from_folder([folder], index_dir=folder)
    assert [p.name for p in folder.iterdir()] == ["thesis.txt"]


def test_a_users_folders_beside_the_index_are_never_touched(tmp_path, hash_embedder):
    for name in ("ix.old", ".ix.backup", ".ix.saving-old"):  # names earlier versions treated as their own
        (tmp_path / name).mkdir()
        (tmp_path / name / "keep.txt").write_text("mine")
        os.utime(tmp_path / name, (0, 0))
    build_or_update(docs(a="One cat sat on the mat."), hash_embedder, tmp_path / "ix")
    build_or_update(docs(a="One cat sat on the mat."), hash_embedder, tmp_path / "ix", )
    SentenceIndex.open(tmp_path / "ix")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ix.backup", ".ix.saving-old", "ix", "ix.old"]


def test_a_link_given_as_the_index_is_refused_and_what_it_points_to_survives(tmp_path, hash_embedder):
    build_or_update(docs(a="One cat sat on the mat."), hash_embedder, tmp_path / "real")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "real" / "index.sqlite").write_bytes(b"damaged" * 100)  # a rebuild would replace the link
    with pytest.raises(IndexStoreError, match="is a link; it is left as it is"):
        build_or_update(docs(a="One cat sat on the mat."), hash_embedder, tmp_path / "link")
    assert (tmp_path / "link").is_symlink() and (tmp_path / "real" / "index.sqlite").read_bytes() == b"damaged" * 100


def test_a_users_folder_named_like_a_build_is_never_tidied(tmp_path, hash_embedder):
    build_or_update(docs(a="One cat sat on the mat."), hash_embedder, tmp_path / "ix")
    mine = tmp_path / ".ix.qa-build-mine"
    (mine / "previous").mkdir(parents=True)
    (mine / "previous" / "thesis.txt").write_text("mine")
    (mine / "notes.txt").write_text("mine")
    os.utime(mine, (0, 0))  # old, unlocked: it would pass for an abandoned build by name and age alone
    SentenceIndex.open(tmp_path / "ix")
    build_or_update(docs(a="Two dogs ran far away."), hash_embedder, tmp_path / "ix")
    assert (mine / "notes.txt").read_text() == "mine" and (mine / "previous" / "thesis.txt").read_text() == "mine"


def test_a_build_running_longer_than_any_clock_is_left_alone_by_readers(tmp_path, hash_embedder):
    build_or_update(docs(a="One cat sat on the mat."), hash_embedder, tmp_path / "ix")
    staging = tmp_path / ".ix.qa-build-running"
    staging.mkdir()
    with folders.held_lock(staging / folders.BUILD_LOCK):
        os.utime(staging, (0, 0))  # decades old by its date, yet its builder is alive
        SentenceIndex.open(tmp_path / "ix")
        assert staging.is_dir()
    SentenceIndex.open(tmp_path / "ix")  # the builder is gone: its folder is abandoned
    assert not staging.exists()


def test_an_index_moved_aside_by_a_killed_swap_is_put_back(tmp_path, hash_embedder):
    build_or_update(docs(a="One cat sat on the mat."), hash_embedder, tmp_path / "ix")
    staging = tmp_path / ".ix.qa-build-dead"
    staging.mkdir()
    (staging / folders.BUILD_LOCK).touch()  # its builder died between the two renames
    (tmp_path / "ix").rename(staging / "previous")
    assert SentenceIndex.open(tmp_path / "ix").document_ids() == ["a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ix"]


def test_a_failed_new_build_keeps_the_old_index(tmp_path, hash_embedder, monkeypatch):
    directory = tmp_path / "ix"
    directory.mkdir()
    old_json_index(directory)  # an old index: rebuilt in a staging folder
    monkeypatch.setattr(store.LexicalTable, "add", lambda *a: (_ for _ in ()).throw(OSError("boom")))
    with pytest.raises(OSError), pytest.warns(UserWarning):
        build_or_update(docs(a="One cat sat on the mat."), hash_embedder, directory)
    assert [p.name for p in tmp_path.iterdir()] == ["ix"] and (directory / "manifest.json").is_file()


def test_concurrent_writers_take_turns_and_the_index_stays_whole(tmp_path, hash_embedder, monkeypatch):
    build_or_update(docs(base="A base sentence about the sea."), hash_embedder, tmp_path / "ix")
    first, second = SentenceIndex.open(tmp_path / "ix"), SentenceIndex.open(tmp_path / "ix")
    entered, release = threading.Event(), threading.Event()
    original = store.embed_in_batches

    def slow_embed(texts, embedder, progress):
        if threading.current_thread().name == "first":
            entered.set()
            release.wait(10)
        return original(texts, embedder, progress)

    monkeypatch.setattr(store, "embed_in_batches", slow_embed)
    errors = []

    def write(index, documents):
        try:
            index.update(documents, hash_embedder)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    one = threading.Thread(target=write, name="first", args=(first, docs(base="A base sentence about the sea.",
                                                                         x="The first writer adds this sentence here.")))
    two = threading.Thread(target=write, name="second", args=(second, docs(base="A base sentence about the sea.",
                                                                           y="The second writer adds that sentence there.")))
    one.start()
    assert entered.wait(10)
    with pytest.warns(UserWarning, match="being updated by another process"):
        two.start()
        time.sleep(0.5)  # the second writer is waiting for the lock, not working from a stale state
        release.set()
        one.join(10), two.join(10)
    assert not errors
    final = SentenceIndex.open(tmp_path / "ix")
    assert final.document_ids() == ["base", "y"]  # the second writer's update, applied after the first
    assert len(final) == 2


def many(count, prefix="doc"):
    return docs(**{f"{prefix}{n}": f"Topic {n} has a first sentence here. Topic {n} has colour {n} too." for n in range(count)})


def test_files_named_like_segments_are_the_users_unless_the_index_recorded_them(tmp_path, hash_embedder, monkeypatch):
    """Compaction writes under a free generation number, never over a file; opening deletes only the
    generations the index switched away from; a folder with such a file is not replaced whole."""
    monkeypatch.setattr(store, "COMPACT_MIN", 5)
    ix = tmp_path / "ix"
    build_or_update(many(4), hash_embedder, ix)  # 8 sentences: a base segment, generation 1
    mine = {"vectors-2.npy": b"named like the next generation", "ann-2023.faiss": b"my 2023 index", "ids-0.npy": b"zero"}
    for name, content in mine.items():
        (ix / name).write_bytes(content)
    with pytest.raises(IndexStoreError, match=r"not part of an index \(ann-2023.faiss, ids-0.npy, vectors-2.npy\)"):
        folders.check_replaceable(ix)
    build_or_update(many(3, "other"), hash_embedder, ix)  # compacted: into generation 3, as 2 is taken
    mine["ann-1.faiss"] = b"added after generation 1, which had no ANN file, was retired"
    (ix / "ann-1.faiss").write_bytes(mine["ann-1.faiss"])
    reopened = SentenceIndex.open(ix)  # generation 1 retired: the two files it had go
    assert reopened._meta("generation") == 3 and len(reopened) == 6
    assert sorted(p.name for p in ix.iterdir() if p.suffix in (".npy", ".faiss")) == sorted([*mine, "ids-3.npy", "vectors-3.npy"])
    assert all((ix / name).read_bytes() == content for name, content in mine.items())


def test_a_failed_compaction_removes_only_the_files_it_made(tmp_path, hash_embedder, monkeypatch):
    monkeypatch.setattr(store, "COMPACT_MIN", 5)
    ix = tmp_path / "ix"
    build_or_update(many(4), hash_embedder, ix)
    (ix / "vectors-2.npy").write_bytes(b"mine")
    compact = SentenceIndex._compact

    def failing(self, vectors, made):
        compact(self, vectors, made)
        assert [path.name for path in made] == ["compaction-3.json", "ids-3.npy", "vectors-3.npy"]  # it got as far as writing them
        raise OSError("killed before the commit")

    monkeypatch.setattr(SentenceIndex, "_compact", failing)
    with pytest.raises(OSError, match="before the commit"):
        build_or_update(many(3, "other"), hash_embedder, ix)
    assert sorted(p.name for p in ix.glob("*.npy")) == ["ids-1.npy", "vectors-1.npy", "vectors-2.npy"]
    assert (ix / "vectors-2.npy").read_bytes() == b"mine" and not list(ix.glob("compaction-*"))
    assert SentenceIndex.open(ix).document_ids() == [f"doc{n}" for n in range(4)]  # as it was


def test_a_compaction_that_meets_a_file_in_its_way_removes_only_what_it_made(tmp_path, hash_embedder, monkeypatch):
    """A user's file appearing between the choice of a generation number and the writing: the
    compaction fails on it, and removes the file it had made, not the user's."""
    monkeypatch.setattr(store, "COMPACT_MIN", 5)
    ix = tmp_path / "ix"
    build_or_update(many(4), hash_embedder, ix)
    monkeypatch.setattr(store, "free_generation", lambda directory, after: 2)
    (ix / "vectors-2.npy").write_bytes(b"mine, put there just now")
    with pytest.raises(FileExistsError):
        build_or_update(many(3, "other"), hash_embedder, ix)
    assert sorted(p.name for p in ix.glob("*.npy")) == ["ids-1.npy", "vectors-1.npy", "vectors-2.npy"]  # its ids-2.npy went
    assert (ix / "vectors-2.npy").read_bytes() == b"mine, put there just now"


def test_a_full_disk_is_said_and_the_index_survives(tmp_path, hash_embedder):
    index, _ = build_or_update(docs(a="One cat sat on the mat."), hash_embedder, tmp_path / "ix")
    pages = index._db.execute("PRAGMA page_count").fetchone()[0]
    index._db.execute(f"PRAGMA max_page_count = {pages}")  # what a full disk looks like to SQLite
    with pytest.raises(IndexStoreError, match="is full; the index was left as it was") as caught:
        index.update(docs(a="One cat sat on the mat.", b=" ".join(["Many long words fill pages."] * 3000)), hash_embedder)
    assert "rollback" not in str(caught.value)
    assert SentenceIndex.open(tmp_path / "ix").document_ids() == ["a"]


def test_damaged_document_pages_are_one_line_errors(tmp_path, hash_embedder):
    marker = "Zanzibar" * 2000
    index, _ = build_or_update(docs(a=f"One cat sat on the mat. {marker} is a long word."), hash_embedder, tmp_path / "ix")
    index.close()
    database = tmp_path / "ix" / store.DATABASE
    raw = bytearray(database.read_bytes())
    pages = sorted({match.start() // 4096 for match in re.finditer(b"ZanzibarZanzibar", raw)})
    middle = pages[len(pages) // 2] * 4096  # a page in the middle of the text's overflow chain
    raw[middle : middle + 4096] = b"\xff" * 4096
    database.write_bytes(bytes(raw))
    opened = SentenceIndex.open(tmp_path / "ix")  # opening reads no texts
    with pytest.raises(IndexStoreError, match="damaged.*rebuild it"):
        opened.document("a")


READ_ONLY_CHECK = """
import sys
from qa.errors import IndexStoreError
from qa.index.store import SentenceIndex
from qa.index.documents import make_document
sys.path.insert(0, sys.argv[2])
from conftest import HashEmbedder
index = SentenceIndex.open(sys.argv[1])
print("read-only" if index.read_only else "writable", index.document_ids())
try:
    index.update([make_document("b", "Another sentence to add here.")], HashEmbedder())
except IndexStoreError as error:
    print("refused:", error)
"""


def test_a_read_only_index_answers_and_refuses_updates_without_harm(hash_embedder):
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("needs setpriv to drop root's right to write anything")
    with tempfile.TemporaryDirectory(dir="/tmp") as parent:
        os.chmod(parent, 0o755)
        directory = Path(parent) / "ix"
        build_or_update(docs(a="One cat sat on the mat."), hash_embedder, directory)
        for path in [directory, *directory.iterdir()]:
            os.chmod(path, 0o555 if path.is_dir() else 0o444)
        before = sorted((p.name, p.stat().st_size) for p in directory.iterdir())
        drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
        if subprocess.run([*drop, sys.executable, "-c", "import qa"], cwd="/", capture_output=True).returncode:
            pytest.skip("the project is not readable by the unprivileged user")
        result = subprocess.run([*drop, sys.executable, "-c", READ_ONLY_CHECK, str(directory), str(REPO / "tests")],
                                capture_output=True, text=True, cwd="/", timeout=120)
        os.chmod(directory, 0o755)
        assert result.returncode == 0, result.stderr
        assert "read-only ['a']" in result.stdout
        assert "refused: index at" in result.stdout and "is read-only" in result.stdout
        assert sorted((p.name, p.stat().st_size) for p in directory.iterdir()) == before
        with sqlite3.connect(directory / store.DATABASE) as db:
            assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 1


def run_tool(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=300, cwd=REPO)


@pytest.mark.parametrize("module, args", [
    ("qa.eval.squad_eval", ["--squad", "missing-dev.json", "--out"]),
    ("qa.eval.calibrate", ["--squad", "missing-train.json", "--out"]),
])
def test_a_report_tool_never_overwrites_a_users_file(tmp_path, module, args):
    """The refusal comes before any work (the data file named does not even exist)."""
    mine = tmp_path / "results.json"
    mine.write_text('{"my": "figures"}')
    refused = run_tool(module, *args, str(mine))
    assert refused.returncode != 0 and "not written by this tool" in refused.stderr
    assert mine.read_text() == '{"my": "figures"}'


def test_calibration_is_never_written_over_a_users_file_in_the_reader_folder(tmp_path):
    reader = user_folder(tmp_path / "reader")
    (reader / "calibration.json").write_text("my settings")
    refused = run_tool("qa.eval.calibrate", "--squad", "missing-train.json", "--reader", str(reader))
    assert refused.returncode != 0 and "calibration.json" in refused.stderr
    assert (reader / "calibration.json").read_text() == "my settings"


def test_a_json_file_is_replaceable_only_when_a_tool_of_ours_wrote_it(tmp_path):
    from qa.owned import check_replaceable_json

    ours, theirs, link = tmp_path / "ours.json", tmp_path / "theirs.json", tmp_path / "link.json"
    ours.write_text('{"dev_file": "dev.json", "reader": "weights"}')
    theirs.write_text('{"dev_file": "dev.json"}')
    link.symlink_to(ours)
    check_replaceable_json(tmp_path / "new.json", ("dev_file", "reader"), "--out")
    check_replaceable_json(ours, ("dev_file", "reader"), "--out")
    for path in (theirs, link):
        with pytest.raises(SystemExit, match="left as it is"):
            check_replaceable_json(path, ("dev_file", "reader"), "--out")


def test_an_atomic_write_that_fails_leaves_the_old_file_and_no_temporary_one(tmp_path):
    from qa.owned import replace_atomically

    folder = user_folder(tmp_path / "ck")  # the user's thesis sits beside the project's file
    path = folder / "checkpoint.pt"
    path.write_bytes(b"previous")

    def failing(file):
        file.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        replace_atomically(path, failing)
    assert path.read_bytes() == b"previous" and sorted(p.name for p in folder.iterdir()) == ["checkpoint.pt", "thesis.txt"]
    replace_atomically(path, lambda file: file.write(b"new"))
    assert path.read_bytes() == b"new" and sorted(p.name for p in folder.iterdir()) == ["checkpoint.pt", "thesis.txt"]
    assert (folder / "thesis.txt").read_text() == "Four years of my work."


def training_args(tmp_path: Path, resume: bool = False):
    import argparse

    return argparse.Namespace(out=tmp_path / "out", checkpoint_dir=tmp_path / "ck", resume=resume)


def test_training_never_writes_over_a_users_files_in_its_out_folder(tmp_path):
    from qa.reader.train import _check_replaceable

    out = user_folder(tmp_path / "out")
    _check_replaceable(training_args(tmp_path))  # a user's other files stay beside the weights
    (out / "config.json").write_text("my model's config")
    with pytest.raises(SystemExit, match="holds config.json, not written by this training"):
        _check_replaceable(training_args(tmp_path))
    (out / "training.json").write_text('{"command": "python -m qa.reader.train", "config": {}, "weights_sha256": "0"}')
    _check_replaceable(training_args(tmp_path))  # an earlier run's folder: its files are the project's
    assert (out / "thesis.txt").read_text() == "Four years of my work."


def test_training_never_replaces_a_checkpoint_it_did_not_write_or_an_unfinished_one(tmp_path):
    import torch

    from qa.reader.train import _check_replaceable, _restore

    folder = user_folder(tmp_path / "ck")
    (folder / "checkpoint.pt").write_bytes(b"my own checkpoint")
    with pytest.raises(SystemExit, match="not a checkpoint this training wrote"):
        _check_replaceable(training_args(tmp_path))
    with pytest.raises(SystemExit, match="not a checkpoint this training wrote"):  # never unpickled, even to resume
        _restore(training_args(tmp_path, resume=True), 0, None, None)
    assert (folder / "checkpoint.pt").read_bytes() == b"my own checkpoint"

    def checkpoint(epoch: int) -> None:
        torch.save({"config": {"epochs": 1}, "windows": 4, "model": {}, "optimizer": {},
                    "progress": {"epoch": epoch, "position": 3, "step": 3, "minutes": 1.0, "resumed_at_steps": []}},
                   folder / "checkpoint.pt")

    checkpoint(epoch=1)  # stopped mid-epoch: a fresh start would lose it
    with pytest.raises(SystemExit, match="stopped at step 3.*--resume"):
        _check_replaceable(training_args(tmp_path))
    _check_replaceable(training_args(tmp_path, resume=True))
    checkpoint(epoch=2)  # finished: its weights are in --out, a new run may start over it
    _check_replaceable(training_args(tmp_path))


def test_a_benchmark_works_only_in_a_folder_it_made(tmp_path):
    from qa.owned import work_folder

    mine = user_folder(tmp_path / "mine")
    with pytest.raises(SystemExit, match="holds files the project did not make"):
        work_folder(mine)
    assert sorted(p.name for p in mine.iterdir()) == ["thesis.txt"]
    made = work_folder(tmp_path / "new" / "work")
    (made / "corpus").mkdir()
    assert work_folder(made) == made  # marked by the earlier run: the next one may replace what is in it
    (tmp_path / "empty").mkdir()
    assert work_folder(tmp_path / "empty").is_dir()


def test_the_ray_benchmark_refuses_a_users_folder_before_deleting_anything(tmp_path):
    work = user_folder(tmp_path / "work")
    (work / "one-process").mkdir()
    (work / "one-process" / "keep.txt").write_text("mine")
    refused = run_tool("qa.eval.ray_benchmark", "--squad", "missing-dev.json", "--work", str(work))
    assert refused.returncode != 0 and "did not make" in refused.stderr
    assert (work / "one-process" / "keep.txt").read_text() == "mine"


def test_rebuilding_a_base_never_deletes_a_users_file_put_beside_it(tmp_path):
    base = user_folder(tmp_path / "base")
    (base / "SOURCE.md").write_text("dequantised by `python -m qa.reader.bases`")  # an earlier run's folder...
    refused = run_tool("qa.reader.bases", "--out", str(base))  # ...that the user has added a file to
    assert refused.returncode != 0 and "thesis.txt" in refused.stderr
    assert sorted(p.name for p in base.iterdir()) == ["SOURCE.md", "thesis.txt"]


def old_json_index(directory: Path) -> None:
    """The four files of a format-1 index, as that version wrote them."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").write_text(json.dumps({"format_version": 1, "model": "m", "documents": 0, "sentences": 0}))
    for name in ("documents.json", "sentences.json", "vectors.faiss"):
        (directory / name).write_text("{}")


def sqlite_file(path: Path) -> bytes:
    """A real SQLite database of another program (with a meta table too)."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta(key TEXT, value TEXT)")
        db.execute("INSERT INTO meta VALUES ('format_version', '2')")
    return path.read_bytes()


@pytest.mark.parametrize("names", [("documents.json", "manifest.json"), ("manifest.json",), ("sentences.json",),
                                   ("index.sqlite",), ("ids-3.npy", "vectors-3.npy"), ("vectors.faiss", "writer.lock"),
                                   ("index.sqlite", "index.sqlite-wal"), ("compaction-2.json", "ids-2.npy")])
def test_a_users_files_named_like_index_files_are_never_taken_for_an_index(tmp_path, hash_embedder, names):
    """Only evidence inside the files makes a folder an index: names alone never do."""
    folder = tmp_path / "d"
    folder.mkdir()
    if "index.sqlite-wal" in names:
        sqlite_file(folder / "index.sqlite")  # a real database, of another program
    for name in names:
        if not (folder / name).exists():
            (folder / name).write_text(f"user data in {name}")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(IndexStoreError, match="not part of an index"):
        folders.check_replaceable(folder)
    with pytest.raises(IndexStoreError):
        build_or_update(docs(a="One cat sat on the mat."), hash_embedder, folder)
    with pytest.raises(IndexStoreError) as opened:
        SentenceIndex.open(folder)
    assert "earlier version" not in str(opened.value)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["d"]


def test_qa_index_into_a_folder_of_look_alike_files_refuses_before_any_work(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "documents.json").write_text("x")
    (folder / "manifest.json").write_text("y")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("The harbour team is led by Ada.")
    result = subprocess.run([sys.executable, "-m", "qa.cli", "index", str(tmp_path / "notes"), "--index", str(folder)],
                            capture_output=True, text=True, env={**os.environ, "QA_HOME": str(tmp_path / "home")}, timeout=120)
    assert result.returncode == 2 and "not part of an index" in result.stderr and "earlier version" not in result.stderr
    assert (folder / "documents.json").read_text() == "x" and (folder / "manifest.json").read_text() == "y"


def test_an_old_json_index_is_replaced_only_when_its_own_files_prove_it_and_nothing_else_is_there(tmp_path, hash_embedder):
    proven = tmp_path / "old"
    old_json_index(proven)
    with pytest.raises(IndexStoreError, match="earlier version"):
        SentenceIndex.open(proven)
    with pytest.warns(UserWarning, match="earlier version"):
        build_or_update(docs(a="One cat sat on the mat."), hash_embedder, proven)
    assert SentenceIndex.open(proven).document_ids() == ["a"] and not (proven / "manifest.json").exists()
    beside = tmp_path / "old-and-mine"
    old_json_index(beside)
    (beside / "thesis.txt").write_text("mine")
    with pytest.raises(IndexStoreError, match="thesis.txt"):
        build_or_update(docs(a="One cat sat on the mat."), hash_embedder, beside)
    assert sorted(p.name for p in beside.iterdir()) == ["documents.json", "manifest.json", "sentences.json", "thesis.txt",
                                                        "vectors.faiss"]


def test_an_index_is_marked_in_its_database_header_and_an_unmarked_one_is_marked_when_opened(tmp_path, hash_embedder):
    index, _ = build_or_update(docs(a="One cat sat on the mat."), hash_embedder, tmp_path / "ix")
    index.close()
    header = (tmp_path / "ix" / store.DATABASE).read_bytes()[:100]
    assert int.from_bytes(header[68:72], "big") == folders.APPLICATION_ID
    with sqlite3.connect(tmp_path / "ix" / store.DATABASE) as db:  # as indexes made before the mark were
        db.execute("PRAGMA application_id = 0")
        db.execute("DELETE FROM meta WHERE key = 'index_id'")
    assert folders.is_index_database(tmp_path / "ix" / store.DATABASE)  # proven by its meta table instead
    reopened = SentenceIndex.open(tmp_path / "ix")
    assert reopened._db.execute("PRAGMA application_id").fetchone()[0] == folders.APPLICATION_ID
    assert reopened._meta("index_id")


_KILLED_COMPACTION = """
import os, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from conftest import HashEmbedder
from qa.assistant import build_or_update
from qa.index import store, vectors
from qa.index.documents import make_document
store.COMPACT_MIN = 5
write_new = vectors._write_new
def dying(path, write, made, journal=None):
    if path.name.startswith("vectors-"):  # created and confirmed, then the process is killed mid-write
        write_new(path, lambda file: (file.write(b"partial"), file.flush(), os._exit(9)), made, journal)
    write_new(path, write, made, journal)
vectors._write_new = dying
docs = [make_document(f"other{n}", f"Topic {n} has a first sentence here. Topic {n} has colour {n} too.") for n in range(3)]
build_or_update(docs, HashEmbedder(), Path(sys.argv[1]))
"""


def test_a_killed_compaction_leaves_nothing_behind_and_the_folder_stays_usable(tmp_path, hash_embedder, monkeypatch):
    monkeypatch.setattr(store, "COMPACT_MIN", 5)
    ix = tmp_path / "ix"
    build_or_update(many(4), hash_embedder, ix)
    (ix / "vectors-9.npy").write_bytes(b"mine")
    (ix / "compaction-7.json").write_text('{"index": "not this one", "generation": 7}\n{"created": "vectors-9.npy"}\n')
    killed = subprocess.run([sys.executable, "-c", _KILLED_COMPACTION, str(ix), str(REPO / "tests")], capture_output=True,
                            text=True, timeout=120)
    assert killed.returncode == 9, killed.stderr
    left = sorted(p.name for p in ix.iterdir())
    assert {"compaction-2.json", "ids-2.npy", "vectors-2.npy"} <= set(left)  # what the killed compaction made
    assert folders.foreign_entries(ix) == ["compaction-7.json", "vectors-9.npy"]  # its files are known as the index's
    assert SentenceIndex.open(ix).document_ids() == [f"doc{n}" for n in range(4)]  # as it was, and tidied
    assert sorted(p.name for p in ix.iterdir() if p.suffix in (".npy", ".json")) == \
        ["compaction-7.json", "ids-1.npy", "vectors-1.npy", "vectors-9.npy"]
    assert (ix / "vectors-9.npy").read_bytes() == b"mine"
    index, _ = build_or_update(many(3, "other"), hash_embedder, ix)  # the next compaction goes through
    assert index.document_ids() == [f"other{n}" for n in range(3)] and not list(ix.glob("compaction-[!7]*"))


def test_a_mount_point_is_refused_before_any_work(tmp_path, hash_embedder, monkeypatch):
    mounted = tmp_path / "disk"
    mounted.mkdir()
    monkeypatch.setattr(folders.os.path, "ismount", lambda path: Path(path) == mounted)
    hash_embedder.encode = lambda *a, **k: pytest.fail("embedded before the refusal")
    with pytest.raises(IndexStoreError, match="mount point.*such as .*disk/index"):
        build_or_update(docs(a="One cat sat on the mat."), hash_embedder, mounted)
    assert list(mounted.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["disk"]


def test_two_first_builds_of_one_index_take_turns(tmp_path, monkeypatch):
    """The second waits for the first, then finds its index and embeds nothing again."""
    from conftest import HashEmbedder

    first, second = HashEmbedder(), HashEmbedder()
    entered, release = threading.Event(), threading.Event()
    original = first.encode

    def slow(texts, show_progress=False):
        entered.set()
        release.wait(10)
        return original(texts)

    first.encode = slow
    texts = dict(a="One cat sat on the mat.", b="Two dogs ran far away.")
    built = threading.Thread(target=build_or_update, args=(docs(**texts), first, tmp_path / "ix"))
    built.start()
    assert entered.wait(10)
    with pytest.warns(UserWarning, match="being built by another process"):
        threading.Timer(0.5, release.set).start()
        index, report = build_or_update(docs(**texts), second, tmp_path / "ix")
    built.join(10)
    assert index.document_ids() == ["a", "b"] and second.encoded == [] and report.embedded_documents == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ix"]
