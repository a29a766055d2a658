"""Examples/s of robustflow's attack stage against TextAttack's own Attacker, same recipe and model.

One run: TextAttack's `Attacker` with its `HuggingFaceModelWrapper` (all cores to torch), then our
attack (FastClassifierWrapper: per-length-bucket batches, a per-text cache, bigger query batches,
PWWS's importance pass scored in one call) in 1..N shard processes splitting the cores, on the same
examples with the same recipe and query budget. Prints attack-loop examples/s (model loading and imports excluded on both sides; our
end-to-end wall time including process start is printed too), the ratio, and whether every attack
outcome (status and adversarial text) is identical. Medians over --repeats. Use a deterministic
recipe (pwws, glove_swap, embedding_swap) for the identity check with TextAttack: deepwordbug and
pruthi draw random edits, which TextAttack seeds once per run and robustflow once per example; for
those the lockstep search (--widths 1,16) is compared with robustflow's one-at-a-time search.

    python bench/attack_throughput.py [--model results/train/mr/clean/none/seed13/model]
        [--data results/clean/mr/test.parquet] [--examples 30] [--recipe pwws] [--shards 1,2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import time

from augment.attacks.runners import attack_classifier
from augment.attacks.shards import shard
from models.trained import load_trained
from robustflow.recipes import RecipeSettings
from robustflow.rows import read_rows
from robustflow.tasks import task_for

CLASSIFICATION = task_for("classification")


def textattack_reference(rows, settings, model_dir, threads, stock_length):
    import torch

    from augment.attacks.constraints import swap_check, textattack_constraints
    from augment.attacks.recipes import BUILDERS
    from augment.attacks.textattack_env import import_textattack

    textattack = import_textattack()
    torch.set_num_threads(threads)
    trained = load_trained(CLASSIFICATION, model_dir)
    model, tokenizer, labels = trained.model, trained.tokenizer, trained.labels
    if stock_length:  # what TextAttack users get from a published checkpoint's tokenizer (MiniLM: 512)
        tokenizer.model_max_length = stock_length
    wrapper = textattack.models.wrappers.HuggingFaceModelWrapper(model.eval(), tokenizer)
    transformation, constraints, search = BUILDERS[settings.type](settings)
    constraints += textattack_constraints(swap_check(settings))  # the same validity constraints as ours
    budget = settings.query_budget or float("inf")
    goal = textattack.goal_functions.UntargetedClassification(wrapper, query_budget=budget)
    attack = textattack.Attack(goal, constraints, transformation, search)
    ids = {name: i for i, name in enumerate(labels)}
    dataset = textattack.datasets.Dataset([(r["text"], ids[r["label"]]) for r in rows])
    args = textattack.AttackArgs(num_examples=len(rows), silent=True, disable_stdout=True, random_seed=765)
    start = time.perf_counter()
    results = textattack.Attacker(attack, dataset, args).attack_dataset()
    elapsed = time.perf_counter() - start
    # Compared as robustflow records them: the adversarial text of a success, the original text
    # otherwise (TextAttack reports a failed attack's last, unsuccessful perturbation there).
    outcomes = []
    for r in results:
        status = type(r).__name__.replace("AttackResult", "").lower()
        attacked = r.perturbed_result if status == "successful" else r.original_result
        outcomes.append((status, attacked.attacked_text.text))
    return elapsed, outcomes


def _worker(args):
    rows, settings, model_dir, threads, seed, width = args
    import torch

    torch.set_num_threads(threads)
    from augment.attacks.textattack_env import import_textattack

    import_textattack()
    timings = {}
    records = attack_classifier(rows, settings.type, settings, load_trained(CLASSIFICATION, model_dir), seed=seed,
                                batch_size=64, device="cpu", timings=timings, lockstep_width=width)
    return timings["attack_seconds"], records


def ours(rows, settings, model_dir, shards, cores, width, seed=13):
    start = time.perf_counter()
    jobs = [(shard(rows, k, shards), settings, model_dir, max(cores // shards, 1), seed, width) for k in range(shards)]
    with mp.get_context("spawn").Pool(shards) as pool:
        parts = pool.map(_worker, jobs)
    wall = time.perf_counter() - start
    by_id = {rec["id"]: rec for _, recs in parts for rec in recs}
    status = {"success": "successful", "failed": "failed", "skipped": "skipped"}
    outcomes = [(status[by_id[r["id"]]["status"]], by_id[r["id"]]["perturbed_text"]) for r in rows]
    return max(seconds for seconds, _ in parts), wall, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="results/train/mr/clean/none/seed13/model")
    parser.add_argument("--data", default="results/clean/mr/test.parquet")
    parser.add_argument("--examples", type=int, default=30)
    parser.add_argument("--recipe", default="pwws", choices=["pwws", "glove_swap", "embedding_swap", "pruthi", "deepwordbug"])
    parser.add_argument("--widths", default="1,16", help="examples searched at once (1: one at a time, as before "
                        "augment/attacks/lockstep.py); outcomes are compared with the first width's")
    parser.add_argument("--query-budget", type=int, default=None)
    parser.add_argument("--shards", default="1,2")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stock-length", type=int, default=None,
                        help="give TextAttack's wrapper this model_max_length (512 = the published MiniLM tokenizer) "
                             "instead of the trained length robustflow saves; it pads every query to it")
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    args = parser.parse_args()
    rows = read_rows(args.data)[: args.examples]
    settings = RecipeSettings.from_config({"type": args.recipe, "query_budget": args.query_budget,
                                           "max_perturbed_ratio": None, "sentence_encoder": "minilm"})
    n = len(rows)
    print(f"{args.recipe}, {n} examples from {args.data}, model {args.model}, {args.cores} cores")

    ref_times, ref_outcomes = [], None
    for _ in range(args.repeats):
        seconds, ref_outcomes = textattack_reference(rows, settings, args.model, args.cores, args.stock_length)
        ref_times.append(seconds)
    ref = statistics.median(ref_times)
    padded = args.stock_length or "the saved model_max_length"
    print(f"TextAttack Attacker (queries padded to {padded}):  {n / ref:7.2f} examples/s (median {ref:.1f} s of {args.repeats})")
    first = None
    for width in map(int, args.widths.split(",")):
        for shards in map(int, args.shards.split(",")):
            loop, wall = [], []
            for _ in range(args.repeats):
                seconds, total, outcomes = ours(rows, settings, args.model, shards, args.cores, width)
                loop.append(seconds)
                wall.append(total)
            first = first or outcomes
            same = sum(a == b for a, b in zip(outcomes, ref_outcomes))
            same_as_first = sum(a == b for a, b in zip(outcomes, first))
            print(f"robustflow, {width} at once, {shards} shard(s): {n / statistics.median(loop):7.2f} examples/s "
                  f"= {ref / statistics.median(loop):.2f}x TextAttack; end to end incl. process start, imports and "
                  f"model load {statistics.median(wall):.1f} s; outcomes identical to TextAttack's {same}/{n}, "
                  f"to {args.widths.split(',')[0]} at once {same_as_first}/{n}")

if __name__ == "__main__":
    main()
