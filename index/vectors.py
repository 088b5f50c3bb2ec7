"""Sentence vectors by sentence id: an immutable base segment on disk plus a small delta.

The base segment is two files written once: `ids-G.npy` (sorted sentence ids) and
`vectors-G.npy` (their unit vectors, memory-mapped: only the rows read are loaded), plus, from
ANN_MIN_VECTORS up, `ann-G.faiss`, an inverted-file index with 8-bit codes (IVF, SQ8) that finds
candidates which are then scored exactly against the stored vectors. Updates never rewrite
these files: new sentences go to the delta (kept in SQLite by the store, in memory here) and
removed base sentences are tombstoned. Compaction (index/store.py) writes the next generation's files.
Every segment file is created new, under a generation number no file in the folder has yet: a
segment never writes over a file, and one that fails removes only the files it created.
"""

from __future__ import annotations

import math
import mmap
import os
from collections.abc import Callable
from typing import BinaryIO
from pathlib import Path

import faiss
import numpy as np

from qa.index.compaction import CompactionJournal, journal_path
from qa.index.folders import segment_files

ANN_MIN_VECTORS = 100_000  # a flat scan of this many takes ~4 ms here, and doubles with size (eval/scale_benchmark.py)
ANN_PROBES = 64  # inverted lists visited per question: recall@10 0.965 against flat at 1M sentences (the benchmark)
TRAINING_POINTS_PER_LIST = 40  # k-means wants at least 39
RESCORED = 2  # the IVF index proposes 2k candidates for k results, ranked by their exact vectors
ANN_BLOCK = 100_000  # vectors read at a time while the IVF index is trained and filled
Progress = Callable[[str, int, int], None]  # (phase, done, total): what a long step reports as it goes


def free_generation(directory: Path, after: int) -> int:
    """The first generation after `after` that no file in `directory` is named for (its compaction journal included)."""
    generation = after + 1
    while any(path.exists() or path.is_symlink() for path in segment_files(directory, generation) + [journal_path(directory, generation)]):
        generation += 1
    return generation


def _write_new(path: Path, write: Callable[[BinaryIO], None], made: list[Path], journal: CompactionJournal | None = None) -> None:
    """Create `path` (FileExistsError if anything is there), fill it with `write`, and note it in `made`
    (and in the compaction's `journal`: before it is created, and once it is)."""
    if journal is not None:
        journal.intend(path)
    with open(path, "xb") as file:
        made.append(path)
        if journal is not None:
            journal.created(path, file.fileno())
        write(file)


def _write_ann(index: faiss.Index) -> Callable[[BinaryIO], None]:
    return lambda file: faiss.write_index(index, faiss.PyCallbackIOWriter(file.write))


def _search_matrix(matrix: np.ndarray, query: np.ndarray, k: int, excluded: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Positions and scores of the k rows with the largest inner product, best first."""
    if not len(matrix) or k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    scores = matrix @ query
    if excluded is not None and len(excluded):
        scores[excluded] = -np.inf
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    top = top[np.isfinite(scores[top])]
    return top, scores[top]


class BaseSegment:
    """Vectors of the sentence ids `ids` (sorted), searched flat or through an IVF index."""

    def __init__(self, ids: np.ndarray, vectors: np.ndarray, ann: faiss.Index | None, generation: int = 0) -> None:
        self.ids, self.vectors, self.ann, self.generation = ids, vectors, ann, generation

    @classmethod
    def empty(cls, dimension: int) -> "BaseSegment":
        """Generation 0: no files, no vectors."""
        return cls(np.zeros(0, dtype=np.int64), np.zeros((0, dimension), dtype=np.float32), None)

    @classmethod
    def read(cls, directory: Path, generation: int) -> "BaseSegment":
        ids = np.load(directory / f"ids-{generation}.npy")
        vectors = np.load(directory / f"vectors-{generation}.npy", mmap_mode="r")
        ann_file = directory / f"ann-{generation}.faiss"
        ann = faiss.read_index(str(ann_file)) if ann_file.exists() else None
        if ann is not None and hasattr(vectors, "_mmap"):
            vectors._mmap.madvise(mmap.MADV_RANDOM)  # rows are then read one by one: no read-ahead of their neighbours
        if vectors.ndim != 2 or len(ids) != len(vectors) or (ann is not None and ann.ntotal != len(ids)):
            raise ValueError("base segment files disagree")
        return cls(ids, vectors, ann, generation)

    def file_names(self) -> list[str]:
        """The names of the files this segment was read from (none for generation 0)."""
        if not self.generation:
            return []
        ids_file, vectors_file, ann_file = segment_files(Path(), self.generation)
        return [ids_file.name, vectors_file.name] + ([ann_file.name] if self.ann is not None else [])

    @staticmethod
    def write(directory: Path, generation: int, ids: np.ndarray, vectors: np.ndarray,
              journal: CompactionJournal | None = None) -> list[Path]:
        """Write a base segment's files, each created new (an ANN index too when there are enough
        vectors) and noted in `journal`, and return them; when one fails, those already made are removed."""
        ids_file, vectors_file, ann_file = segment_files(directory, generation)
        made: list[Path] = []
        try:
            _write_new(ids_file, lambda file: np.save(file, ids.astype(np.int64)), made, journal)
            _write_new(vectors_file, lambda file: np.save(file, vectors.astype(np.float32)), made, journal)
            if len(ids) >= ANN_MIN_VECTORS:
                ann = _ivf(lambda begin, end: vectors[begin:end], len(vectors), vectors.shape[1])
                _write_new(ann_file, _write_ann(ann), made, journal)
        except BaseException:
            for path in made:
                path.unlink(missing_ok=True)
            raise
        return made

    def positions(self, ids: np.ndarray) -> np.ndarray:
        """Positions of ids known to be in this segment."""
        return np.searchsorted(self.ids, ids)

    def contains(self, sentence_id: int) -> bool:
        position = int(np.searchsorted(self.ids, sentence_id))
        return position < len(self.ids) and int(self.ids[position]) == sentence_id

    def search(self, query: np.ndarray, k: int, dead: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(sentence ids, exact scores) of the k best live vectors; `dead` holds tombstoned ids."""
        if self.ann is None:
            positions, scores = _search_matrix(self.vectors, query, k, self.positions(dead) if len(dead) else None)
            return self.ids[positions], scores
        params = faiss.SearchParametersIVF(nprobe=ANN_PROBES)
        if len(dead):
            params.sel = faiss.IDSelectorNot(faiss.IDSelectorBatch(self.positions(dead).astype(np.int64)))
        _, found = self.ann.search(query.reshape(1, -1), RESCORED * k, params=params)
        positions = np.sort(found[0][found[0] >= 0])
        exact = np.asarray(self.vectors[positions]) @ query  # 8-bit codes find candidates; stored vectors rank them
        order = np.argsort(-exact, kind="stable")[:k]
        return self.ids[positions[order]], exact[order]


def _ivf(rows: Callable[[int, int], np.ndarray], count: int, dimension: int,
         progress: Progress | None = None) -> faiss.Index:
    """An IVF index with 8-bit scalar-quantised codes over `count` vectors, ~4 sqrt(n) lists; `rows(begin,
    end)` gives a block of them, so the vectors are read block by block and never held whole."""
    lists = int(4 * math.sqrt(count))
    index = faiss.index_factory(dimension, f"IVF{lists},SQ8", faiss.METRIC_INNER_PRODUCT)
    chosen = np.sort(np.random.default_rng(0).choice(count, min(count, TRAINING_POINTS_PER_LIST * lists), replace=False))
    sample = [rows(begin, min(begin + ANN_BLOCK, count))[chosen[(chosen >= begin) & (chosen < begin + ANN_BLOCK)] - begin]
              for begin in range(0, count, ANN_BLOCK)]
    if progress:
        progress("training the approximate index", 0, 1)
    index.train(np.ascontiguousarray(np.vstack(sample), dtype=np.float32))
    del sample
    for begin in range(0, count, ANN_BLOCK):
        if progress:
            progress("filling the approximate index", begin, count)
        index.add(np.ascontiguousarray(rows(begin, min(begin + ANN_BLOCK, count)), dtype=np.float32))
    if progress:
        progress("filling the approximate index", count, count)
    return index


class SegmentWriter:
    """A base segment written as its vectors arrive: rows are appended to `vectors-G.npy` (whose header
    is rewritten with the final count), then the ids and the ANN index are written, reading the vectors
    back block by block. Memory holds one block, never the segment."""

    def __init__(self, directory: Path, generation: int, dimension: int) -> None:
        self.path, self.generation, self.dimension, self.count = directory / f"vectors-{generation}.npy", generation, dimension, 0
        self._file = open(self.path, "xb")  # created here, never over a file already there: `discard` removes only its own
        self._made = [self.path]
        self._header = self._write_header()

    def _write_header(self) -> int:
        """Write the .npy header for the rows so far (its length never changes: numpy pads it so the
        first dimension can grow); return that length."""
        self._file.seek(0)
        np.lib.format.write_array_header_1_0(self._file, {"descr": "<f4", "fortran_order": False,
                                                          "shape": (self.count, self.dimension)})
        return self._file.tell()

    def append(self, vectors: np.ndarray) -> None:
        self._file.write(np.ascontiguousarray(vectors, dtype="<f4").reshape(-1, self.dimension).tobytes())
        self.count += len(vectors)

    def rows(self, begin: int, end: int) -> np.ndarray:
        """Rows begin..end-1 as written so far, read from the file (not mapped, so they leave memory when dropped)."""
        self._file.flush()
        return np.fromfile(self.path, dtype="<f4", count=(end - begin) * self.dimension,
                           offset=self._header + begin * self.dimension * 4).reshape(end - begin, self.dimension)

    def finish(self, ids: np.ndarray, progress: Progress | None = None) -> None:
        """Complete the segment of these (sorted) ids, one per row appended."""
        if len(ids) != self.count:
            raise ValueError(f"{len(ids)} ids for {self.count} vectors")
        end = self._file.seek(0, 2)
        if self._write_header() != self._header:
            raise ValueError("the vectors' header changed length")
        self._file.seek(end)
        self._file.flush()
        os.fsync(self._file.fileno())
        ids_file, _, ann_file = segment_files(self.path.parent, self.generation)
        _write_new(ids_file, lambda file: np.save(file, ids.astype(np.int64)), self._made)
        if self.count >= ANN_MIN_VECTORS:
            _write_new(ann_file, _write_ann(_ivf(self.rows, self.count, self.dimension, progress)), self._made)
        self._file.close()

    def discard(self) -> None:
        """Remove the files this writer created (nothing else)."""
        self._file.close()
        for path in self._made:
            path.unlink(missing_ok=True)


class VectorSet:
    """Every live sentence's vector: the base segment minus tombstones, plus the delta."""

    def __init__(self, base: BaseSegment, delta_ids: np.ndarray, delta_vectors: np.ndarray, dead: np.ndarray) -> None:
        self.base = base
        self.delta_ids, self.delta_vectors = delta_ids.astype(np.int64), delta_vectors.astype(np.float32)
        self.dead = np.unique(dead.astype(np.int64))
        self._delta_rows = {sentence_id: row for row, sentence_id in enumerate(self.delta_ids.tolist())}

    @property
    def dimension(self) -> int:
        return self.base.vectors.shape[1]

    def __len__(self) -> int:
        return len(self.base.ids) - len(self.dead) + len(self.delta_ids)

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(sentence id, cosine similarity) of the k nearest live vectors, best first."""
        query = np.asarray(query, dtype=np.float32)
        base_ids, base_scores = self.base.search(query, k, self.dead)
        positions, delta_scores = _search_matrix(self.delta_vectors, query, k)
        found = list(zip(base_ids.tolist(), base_scores.tolist())) + list(zip(self.delta_ids[positions].tolist(), delta_scores.tolist()))
        return sorted(found, key=lambda pair: -pair[1])[:k]

    def vector(self, sentence_id: int) -> np.ndarray:
        row = self._delta_rows.get(sentence_id)
        if row is not None:
            return self.delta_vectors[row]
        return np.asarray(self.base.vectors[self.base.positions(np.array([sentence_id]))[0]])

    def changed(self, removed: list[int], added_ids: list[int], added_vectors: np.ndarray) -> "VectorSet":
        """A new set with `removed` gone (tombstoned in the base, dropped from the delta) and the rows added."""
        removed_array = np.asarray(removed, dtype=np.int64)
        keep = ~np.isin(self.delta_ids, removed_array)
        in_base = removed_array[[self.base.contains(int(i)) for i in removed_array]] if len(removed_array) else removed_array
        return VectorSet(
            self.base,
            np.concatenate([self.delta_ids[keep], np.asarray(added_ids, dtype=np.int64)]),
            np.vstack([self.delta_vectors[keep], np.asarray(added_vectors, dtype=np.float32).reshape(-1, self.dimension)]),
            np.concatenate([self.dead, in_base]),
        )

    def live(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every live sentence, ids sorted: what a compacted base segment holds."""
        alive = ~np.isin(self.base.ids, self.dead)
        ids = np.concatenate([self.base.ids[alive], self.delta_ids])
        vectors = np.vstack([np.asarray(self.base.vectors[np.flatnonzero(alive)]), self.delta_vectors])
        order = np.argsort(ids, kind="stable")
        return ids[order], vectors[order]
