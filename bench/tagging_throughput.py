"""Seconds per 1,000 sentences of the evaluation's tagging pass against transformers' pipeline.

The NER side of bench/evaluation_throughput.py. One run, same tagger, same sentences, threads and
batch size, alternating the two: robustflow's `robust_train.predict.predict` (what every NER
evaluation and suite pass runs: one tokenisation of all sentences, batches of similar length,
inference mode, a tag per word from its first piece) and `transformers.pipeline("token-
classification")` on the words joined by spaces (each word's tag read from the piece that starts
it). The sentences: CoNLL-2003's test file cycled to --rows (7,600 by default), each with its own id.
The tagger: --model, a tagger the workflow trained; without it the packaged MiniLM with a fresh
9-tag head (seeded; the time per pass does not depend on the weights). Prints each side's seconds
per 1,000 sentences (median over --repeats), the ratio, and how many word tags agree.

    python bench/tagging_throughput.py [--conll ../shared/data/conll2003/eng.testb] [--model FOLDER]
        [--rows 7600] [--batch-size 64] [--repeats 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from evaluation_throughput import add_pass_arguments, side_by_side  # bench/, beside this file

from prepare.readers.conll import read_conll
from robust_train.predict import predict
from robustflow.tasks import task_for

NER = task_for("ner")
TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
MAX_LENGTH = 128


def bench_rows(conll: Path, n: int) -> list[dict]:
    source = [s for s in read_conll(conll).sentences if s.tokens]
    return [{"id": f"bench-{i:06d}", "tokens": source[i % len(source)].tokens, "tags": source[i % len(source)].tags}
            for i in range(n)]


def load_tagger(model: str | None):
    """(model, tokenizer, label2id, id2label)."""
    if model:
        from models.trained import load_trained

        trained = load_trained(NER, model)
        return trained.model, trained.tokenizer, trained.label2id, trained.id2label
    from models.pretrained import load_for_training

    torch.manual_seed(0)
    tokenizer, tagger, label2id, id2label, _ = load_for_training(NER, "minilm", TAGS)
    return tagger.eval(), tokenizer, label2id, id2label


def ours(tagger, rows: list[dict], batch_size: int) -> tuple[float, list]:
    model, tokenizer, label2id, id2label = tagger
    start = time.perf_counter()
    with torch.inference_mode():
        predictions, _ = predict(model, tokenizer, rows, NER, label2id, id2label, MAX_LENGTH, batch_size)
    return time.perf_counter() - start, predictions


def pipeline_reference(tagger, rows: list[dict], batch_size: int) -> tuple[float, list]:
    from transformers import pipeline

    model, tokenizer, _, _ = tagger
    tag = pipeline("token-classification", model=model, tokenizer=tokenizer, device=-1, ignore_labels=[])
    texts = [" ".join(r["tokens"]) for r in rows]
    start = time.perf_counter()
    out = tag(texts, batch_size=batch_size)
    seconds = time.perf_counter() - start
    return seconds, [word_tags(r["tokens"], pieces) for r, pieces in zip(rows, out)]


def word_tags(tokens: list[str], pieces: list[dict]) -> list[str]:
    """Each word's tag from the piece that starts at the word's first character (O if none)."""
    by_start = {}
    for piece in pieces:
        by_start.setdefault(piece["start"], piece["entity"])
    tags, at = [], 0
    for token in tokens:
        tags.append(by_start.get(at, "O"))
        at += len(token) + 1
    return tags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conll", default=str(Path(__file__).resolve().parents[2] / "shared/data/conll2003/eng.testb"))
    parser.add_argument("--model", default=None)
    add_pass_arguments(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tagger = load_tagger(args.model)
    rows = bench_rows(Path(args.conll), args.rows)
    print(f"{sum(len(r['tokens']) for r in rows)} words in {len(rows)} sentences; agreement counts word tags")
    side_by_side(lambda r, b: ours(tagger, r, b), lambda r, b: pipeline_reference(tagger, r, b), rows, args,
                 lambda mine, theirs: (sum(a == b for m, t in zip(mine, theirs) for a, b in zip(m, t)),
                                       sum(len(m) for m in mine)), unit="sentences")


if __name__ == "__main__":
    main()
