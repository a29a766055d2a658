"""Prediction time of distilled students against their teacher, side by side in one process.

Each model predicts the same rows behind the defence saved in its folder (what a deployed model
costs: the spelling corrector included), batch by batch as the evaluation does, in turns (teacher,
student, teacher, ...) so that a busy machine slows them alike; one warm-up pass each, then the
median of --repeats. Prints seconds per 1,000 rows, parameters, and each model's time as a share of
the first model's (the teacher).

    python bench/distillation_speed.py --results results --dataset mr \
        --models clean/none+spelling/seed13 clean/student3+spelling/seed13 [--task classification]
        [--rows 2000] [--batch-size 64] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from models.trained import load_trained
from robust_train.predict import predict
from robustflow.rows import read_rows
from robustflow.tasks import task_for


def bench_rows(clean: Path, n: int) -> list[dict]:
    """The test split, then dev and train, cycled to ``n`` rows (each with its own id)."""
    source = [r for split in ("test", "dev", "train") for r in read_rows(clean / f"{split}.parquet")]
    return [{**source[i % len(source)], "id": f"bench-{i:06d}"} for i in range(n)]


def timed(trained, task, rows: list[dict], batch_size: int) -> float:
    start = time.perf_counter()
    predict(trained.model, trained.tokenizer, rows, task, trained.label2id, trained.id2label, trained.max_length,
            batch_size, defence=trained.defence)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default="results")
    parser.add_argument("--dataset", default="mr")
    parser.add_argument("--models", nargs="+", required=True, help="trainset/method/seedN, the teacher first")
    parser.add_argument("--task", default="classification")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    task, results = task_for(args.task), Path(args.results)
    rows = bench_rows(results / "clean" / args.dataset, args.rows)
    models = {m: load_trained(task, results / "train" / args.dataset / m / "model") for m in args.models}
    seconds: dict[str, list[float]] = {m: [] for m in models}
    for m, trained in models.items():  # warm-up: first-call allocations, the defence's dictionary
        timed(trained, task, rows[: args.batch_size], args.batch_size)
    for _ in range(args.repeats):
        for m, trained in models.items():
            seconds[m].append(timed(trained, task, rows, args.batch_size))
    first = statistics.median(seconds[args.models[0]])
    print(f"{len(rows)} rows, batch {args.batch_size}, median of {args.repeats}")
    print(f"{'model':40} {'parameters':>12} {'s / 1,000 rows':>15} {'vs teacher':>11}")
    for m, trained in models.items():
        median = statistics.median(seconds[m])
        params = sum(p.numel() for p in trained.model.parameters())
        print(f"{m:40} {params / 1e6:>11.1f}M {1000 * median / len(rows):>15.2f} {median / first:>10.0%}")


if __name__ == "__main__":
    main()
