"""Train the span reader on SQuAD v1.1 (CPU or GPU) and write the shipped weights.

    python -m qa.reader.train --squad PATH/TO/squad/train.json   # SQuAD v1.1 format

Reproducible: fixed seed; the configuration, the data's sha256 and the weights' sha256 are
recorded in weights/training.json, rewritten after every epoch. `--resume` continues a
schedule that was stopped after a saved epoch: same data order and learning-rate schedule,
fresh optimiser moments (they are not saved). The last `--holdout-articles` articles of the file are
kept out of training: `eval/calibrate.py` fits the answer score on them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from pathlib import Path

import torch

from qa.reader.network import (
    FROZEN_TENSORS, load_reader_network, load_tokenizer, new_reader_network, save_trained_tensors, sha256_of,
)
from qa.reader.windows import MAX_TOKENS, STRIDE, Window, answer_token_span, pad_windows, tokenize_windows

WEIGHTS_DIR = Path(__file__).parent / "weights"


def load_squad(path: Path) -> list[dict]:
    """SQuAD articles as stored: [{title, paragraphs: [{context, qas}]}]."""
    return json.loads(path.read_text(encoding="utf-8"))["data"]


def split_articles(articles: list[dict], holdout: int) -> tuple[list[dict], list[dict]]:
    """(training articles, held-out articles): the last `holdout` articles are held out."""
    return articles[: len(articles) - holdout], articles[len(articles) - holdout :]


def training_windows(tokenizer, articles: list[dict], max_tokens: int, stride: int) -> list[tuple[Window, int, int]]:
    """Every window of every question, labelled with the answer's token span ((0, 0): not inside)."""
    questions, contexts, answers = [], [], []
    for article in articles:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answer = qa["answers"][0]
                questions.append(qa["question"].strip())
                contexts.append(paragraph["context"])
                answers.append((answer["answer_start"], answer["answer_start"] + len(answer["text"])))
    windows = tokenize_windows(tokenizer, questions, contexts, max_tokens, stride)
    return [(window, *answer_token_span(window, *answers[window.context_index])) for window in windows]


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


def collate(examples: list[tuple[Window, int, int]], device: torch.device) -> dict[str, torch.Tensor]:
    """Padded inputs plus answer positions for a batch."""
    batch = pad_windows([window for window, _, _ in examples])
    batch["start_positions"] = torch.tensor([start for _, start, _ in examples])
    batch["end_positions"] = torch.tensor([end for _, _, end in examples])
    return {name: tensor.to(device) for name, tensor in batch.items()}


def train(args: argparse.Namespace) -> None:
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cpu":
        torch.set_num_threads(os.cpu_count() or 1)
    tokenizer = load_tokenizer()
    articles, held_out = split_articles(load_squad(args.squad), args.holdout_articles)
    if args.limit_questions:
        articles = _first_questions(articles, args.limit_questions)
    examples = training_windows(tokenizer, articles, args.max_tokens, args.stride)
    sampler = random.Random(args.seed)
    examples = [e for e in examples if e[1] > 0 or sampler.random() < args.negative_share]
    print(f"{len(examples)} windows from {sum(len(p['qas']) for a in articles for p in a['paragraphs'])} questions; "
          f"held out: {[a['title'] for a in held_out]}", flush=True)

    steps_per_epoch = -(-len(examples) // args.batch_size)
    total_steps = steps_per_epoch * args.epochs
    epochs_done, minutes_before, model = _resume(args, len(examples)) if args.resume else (0, 0.0, new_reader_network())
    model = model.to(device).train()
    for name, parameter in model.named_parameters():
        parameter.requires_grad = name not in FROZEN_TENSORS
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    warmup = int(total_steps * args.warmup)
    first_step = epochs_done * steps_per_epoch
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda done: _lr_factor(first_step + done, warmup, total_steps))
    rng = random.Random(args.seed)
    lengths = [len(window.input_ids) for window, _, _ in examples]
    started, step = time.time(), first_step
    for epoch in range(1, args.epochs + 1):
        batches = length_grouped_batches(lengths, args.batch_size, rng)  # drawn for done epochs too: same order
        if epoch <= epochs_done:
            continue
        for batch_ids in batches:
            loss = model(**collate([examples[i] for i in batch_ids], device)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            if step % 50 == 0 or step == total_steps:
                elapsed = time.time() - started
                rate = elapsed / (step - first_step)
                print(f"epoch {epoch} step {step}/{total_steps} loss {loss.item():.3f} "
                      f"elapsed {elapsed / 60:.1f} min, eta {rate * (total_steps - step) / 60:.1f} min", flush=True)
        weights_sha = save_trained_tensors(model, args.out / "reader.safetensors")
        record = {
            "command": "python -m qa.reader.train " + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in sorted(_config(args).items())),
            "config": _config(args),
            "squad_train_sha256": sha256_of(args.squad),
            "held_out_articles": [a["title"] for a in held_out],
            "training_questions": sum(len(p["qas"]) for a in articles for p in a["paragraphs"]),
            "training_windows": len(examples),
            "epochs_done": epoch,
            "train_minutes": round(minutes_before + (time.time() - started) / 60, 1),
            "resumed_after_epoch": epochs_done or None,
            "device": torch.cuda.get_device_name() if device.type == "cuda" else f"cpu x{torch.get_num_threads()} ({platform.machine()})",
            "torch": torch.__version__,
            "weights_sha256": weights_sha,
        }
        (args.out / "training.json").write_text(json.dumps(record, indent=2) + "\n")
        print(f"epoch {epoch} saved: {args.out / 'reader.safetensors'} sha256 {weights_sha}", flush=True)


def _lr_factor(step: int, warmup: int, total_steps: int) -> float:
    """Linear warm-up over `warmup` steps, then linear decay to zero at `total_steps`."""
    return min((step + 1) / max(warmup, 1), max(0.0, (total_steps - step) / max(total_steps - warmup, 1)))


def _config(args: argparse.Namespace) -> dict:
    """The settings that define the weights (not how the run was started)."""
    return {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k != "resume"}


def _resume(args: argparse.Namespace, windows: int) -> tuple[int, float, torch.nn.Module]:
    """(epochs done, minutes spent, network) of the stopped run in `args.out`, if it had these settings."""
    record = json.loads((args.out / "training.json").read_text(encoding="utf-8"))
    if record["config"] != _config(args) or record["training_windows"] != windows:
        raise SystemExit(f"--resume: {args.out / 'training.json'} was made with other settings or data")
    if record["epochs_done"] >= args.epochs:
        raise SystemExit(f"--resume: all {args.epochs} epochs are already done")
    network = load_reader_network(args.out / "reader.safetensors", record["weights_sha256"])
    print(f"resuming after epoch {record['epochs_done']} ({record['train_minutes']} min so far)", flush=True)
    return record["epochs_done"], record["train_minutes"], network


def _first_questions(articles: list[dict], limit: int) -> list[dict]:
    """A prefix of the data with at most `limit` questions (for smoke runs)."""
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
    parser.add_argument("--squad", type=Path, required=True, help="SQuAD v1.1 train.json")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--warmup", type=float, default=0.1, help="share of steps with a rising learning rate")
    parser.add_argument("--max-tokens", type=int, default=MAX_TOKENS)
    parser.add_argument("--stride", type=int, default=STRIDE)
    parser.add_argument("--negative-share", type=float, default=0.35,
                        help="share of answerless windows kept (they teach the no-answer position)")
    parser.add_argument("--holdout-articles", type=int, default=2)
    parser.add_argument("--limit-questions", type=int, default=0, help="train on a prefix only (smoke runs)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--resume", action="store_true", help="continue the stopped run saved in --out")
    train(parser.parse_args())


if __name__ == "__main__":
    main()
