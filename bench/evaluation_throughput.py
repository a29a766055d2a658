"""Seconds per 1,000 rows of the evaluation's prediction pass against transformers' pipeline.

One run, same model, same rows, same threads and batch size, alternating the two: robustflow's
`robust_train.predict.predict` (what every evaluation and suite pass runs: one tokenisation of all
rows, batches of similar length, inference mode) and `transformers.pipeline("text-classification")`
(tokenises and pads each batch in the order given). The rows: every cleaned MR row (train, dev and
test) cycled to --rows (7,600 by default, the size of a large test split), each with its own id.
Prints each side's seconds per 1,000 rows (median over --repeats), the ratio, and how many
predictions agree (they must all agree: same model, same truncation).

    python bench/evaluation_throughput.py [--model results/train/mr/clean/none/seed13/model]
        [--data results/clean/mr] [--rows 7600] [--batch-size 64] [--repeats 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

from models.trained import load_trained
from robust_train.predict import predict
from robustflow.rows import read_rows
from robustflow.tasks import task_for

CLASSIFICATION = task_for("classification")


def bench_rows(data: Path, n: int) -> list[dict]:
    source = [r for split in ("train", "dev", "test") for r in read_rows(data / f"{split}.parquet")]
    return [{**source[i % len(source)], "id": f"bench-{i:06d}"} for i in range(n)]


def ours(trained, rows: list[dict], batch_size: int) -> tuple[float, list]:
    start = time.perf_counter()
    predictions, _ = predict(trained.model, trained.tokenizer, rows, CLASSIFICATION, trained.label2id,
                             trained.id2label, trained.max_length, batch_size)
    return time.perf_counter() - start, predictions


def pipeline_reference(trained, rows: list[dict], batch_size: int) -> tuple[float, list]:
    from transformers import pipeline

    classify = pipeline("text-classification", model=trained.model, tokenizer=trained.tokenizer, device=-1)
    texts = [r["text"] for r in rows]
    start = time.perf_counter()
    out = classify(texts, batch_size=batch_size, truncation=True, max_length=trained.max_length)
    return time.perf_counter() - start, [o["label"] for o in out]


def add_pass_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every prediction-pass bench shares."""
    parser.add_argument("--rows", type=int, default=7600)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)


def side_by_side(ours_pass, reference_pass, rows: list[dict], args, agreement, unit: str = "rows") -> None:
    """Both passes alternately, --repeats times; prints seconds per 1,000 rows (medians), the
    ratio, and ``agreement(mine, theirs)`` -> (agreeing, total) each repeat."""
    per_1000 = {"robustflow": [], "pipeline": []}
    for repeat in range(args.repeats):
        seconds_ours, mine = ours_pass(rows, args.batch_size)
        seconds_ref, theirs = reference_pass(rows, args.batch_size)
        per_1000["robustflow"].append(1000 * seconds_ours / len(rows))
        per_1000["pipeline"].append(1000 * seconds_ref / len(rows))
        agree, total = agreement(mine, theirs)
        print(f"repeat {repeat + 1}: robustflow {per_1000['robustflow'][-1]:.2f} s/1k {unit}, "
              f"pipeline {per_1000['pipeline'][-1]:.2f} s/1k {unit}; predictions agree on {agree}/{total}")
    a, b = statistics.median(per_1000["robustflow"]), statistics.median(per_1000["pipeline"])
    print(f"\n{len(rows)} {unit}, batch {args.batch_size}, {args.threads} threads, medians of {args.repeats}: "
          f"robustflow {a:.2f} s per 1,000 {unit}, transformers pipeline {b:.2f} s per 1,000 {unit}, ratio {b / a:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="results/train/mr/clean/none/seed13/model")
    parser.add_argument("--data", default="results/clean/mr")
    add_pass_arguments(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    trained = load_trained(CLASSIFICATION, args.model)
    rows = bench_rows(Path(args.data), args.rows)
    side_by_side(lambda r, b: ours(trained, r, b), lambda r, b: pipeline_reference(trained, r, b), rows, args,
                 lambda mine, theirs: (sum(a == b for a, b in zip(mine, theirs)), len(mine)))


if __name__ == "__main__":
    main()
