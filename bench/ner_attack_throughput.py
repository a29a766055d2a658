"""Sentences/s of the NER attack searching many sentences in lockstep against one at a time.

TextAttack has no goal for token labels, so the reference is robustflow's own search run one
sentence at a time (what every NER attack job ran before augment/attacks/ner_lockstep.py), on the
same tagger, recipe, sentences, seed and threads, alternating the two. Prints each width's
sentences/s (median over --repeats), forward passes and sentences scored, the ratio against width
1, and whether every record (status, perturbed tokens and tags, predictions, queries) is identical.

    python bench/ner_attack_throughput.py --model results/train/conll2003/clean/none/seed13/model
        [--conll ../shared/data/conll2003/eng.testb] [--sentences 60] [--recipe deepwordbug]
        [--widths 1,16] [--repeats 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
from tagging_throughput import bench_rows  # bench/, beside this file

from augment.attacks.ner import NerAttack
from augment.attacks.ner_lockstep import search_in_lockstep
from augment.attacks.ner_scorer import NerScorer
from augment.augmenters.mentions import mention_pools
from models.trained import load_trained
from robustflow.recipes import RecipeSettings
from robustflow.tasks import task_for

NER = task_for("ner")


def search(trained, rows, settings, recipe, width, batch_size, pools) -> tuple[float, list, int, int]:
    """(seconds, records, forward passes, sentences scored) of one attack over ``rows``."""
    scorer = NerScorer(trained.model, trained.tokenizer, trained.max_length, batch_size, "cpu", trained.defence)
    passes = []
    hook = trained.model.register_forward_pre_hook(lambda *_: passes.append(1))
    attack = NerAttack(scorer, recipe, settings, 13, pools)
    start = time.perf_counter()
    records = [attack.attack(r) for r in rows] if width == 1 else search_in_lockstep(attack, rows, width)
    seconds = time.perf_counter() - start
    hook.remove()
    return seconds, records, len(passes), scorer.queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a tagger the workflow trained (results/train/.../model)")
    parser.add_argument("--conll", default=str(Path(__file__).resolve().parents[2] / "shared/data/conll2003/eng.testb"))
    parser.add_argument("--train-conll", default=None, help="the training file (mention_swap's pools); "
                        "default: eng.train beside --conll")
    parser.add_argument("--sentences", type=int, default=60)
    parser.add_argument("--recipe", default="deepwordbug", choices=["deepwordbug", "pwws", "glove_swap", "mention_swap"])
    parser.add_argument("--widths", default="1,16")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    trained = load_trained(NER, args.model)
    rows = bench_rows(Path(args.conll), args.sentences)
    pools = None
    if args.recipe == "mention_swap":
        pools = mention_pools(bench_rows(Path(args.train_conll or Path(args.conll).with_name("eng.train")), 20000))
    extra = {"max_candidates": 25} if args.recipe == "glove_swap" else {}
    settings = RecipeSettings.from_config({"type": args.recipe, "query_budget": None, "max_perturbed_ratio": 0.2,
                                           "sentence_encoder": "minilm", **extra})
    widths = [int(w) for w in args.widths.split(",")]
    print(f"{args.recipe}, {len(rows)} sentences of {args.conll}, tagger {args.model}, {args.threads} threads, "
          f"defence {trained.defence.name if trained.defence else 'none'}")
    rates, reference = {w: [] for w in widths}, None
    for repeat in range(args.repeats):
        for width in widths:
            seconds, records, passes, scored = search(trained, rows, settings, args.recipe, width, args.batch_size,
                                                      pools)
            reference = records if reference is None else reference
            rates[width].append(len(rows) / seconds)
            outcomes = {s: sum(r["status"] == s for r in records) for s in ("success", "failed", "skipped")}
            print(f"repeat {repeat + 1} width {width}: {rates[width][-1]:.2f} sentences/s, {passes} forward passes, "
                  f"{scored} sentences scored, {outcomes}, identical to width {widths[0]}: {records == reference}")
    base = statistics.median(rates[widths[0]])
    print(f"\nmedians of {args.repeats}:")
    for width in widths:
        median = statistics.median(rates[width])
        print(f"  width {width}: {median:.2f} sentences/s, {median / base:.2f}x width {widths[0]}")


if __name__ == "__main__":
    main()
