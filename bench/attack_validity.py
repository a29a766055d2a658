"""How valid are a word-substitution attack's adversarial examples, with and without the validity
constraints (augment/attacks/constraints.py)?

Runs one recipe against one trained classifier on the same test rows three times: with the
constraints off (block_antonyms, same_pos false, min_similarity null), with the antonym, part-of-
speech and similarity checks, and with those plus the sentiment-polarity check (same_polarity), and
prints for each: success rate, substitutions made, the share of them that are WordNet antonyms (or
negating prefixes), the share that change a word's sentiment polarity (AFINN + VADER), the
successful attacks with such a swap, the mean and the lowest sentence similarity of the 15-word
window around a swap (packaged MiniLM), and adversarial examples side by side.

    python bench/attack_validity.py [--model results/train/mr/clean/none/seed13/model]
        [--data results/clean/mr/test.parquet] [--examples 100] [--recipe glove_swap] [--show 20]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import time

from augment.attacks.constraints import window
from augment.attacks.runners import attack_classifier
from augment.attacks.shards import attack_slice
from models.devices import set_threads
from models.sentence_encoder import Encoder
from models.trained import load_trained
from resources.polarity import changes_polarity
from resources.wordnet import is_antonym_swap
from robustflow.recipes import RecipeSettings
from robustflow.rows import read_rows
from robustflow.tasks import task_for


def substitutions(records: list[dict]) -> list[tuple[list[str], list[str], int]]:
    """(original words, perturbed words, position) of every swap of every successful attack."""
    out = []
    for r in records:
        if r["status"] != "success":
            continue
        old, new = r["text"].split(), r["perturbed_text"].split()
        if len(old) != len(new):
            continue
        out += [(old, new, i) for i, (a, b) in enumerate(zip(old, new)) if a != b]
    return out


def describe(name: str, records: list[dict], encoder: Encoder, seconds: float) -> dict:
    swaps = substitutions(records)
    attempted = sum(r["status"] != "skipped" for r in records)
    success = sum(r["status"] == "success" for r in records)
    sims = encoder.similarity([window(o, i, 15) for o, _, i in swaps], [window(n, i, 15) for _, n, i in swaps])
    antonym = sum(is_antonym_swap(o[i], n[i]) for o, n, i in swaps)
    polar = sum(changes_polarity(o[i], n[i]) for o, n, i in swaps)
    polar_attacks = sum(r["status"] == "success" and any(changes_polarity(a, b) for a, b in r["changed_words"])
                        for r in records)
    row = {"setting": name, "attacked": len(records), "attempted": attempted, "success": success,
           "success_rate": round(success / max(attempted, 1), 3), "substitutions": len(swaps),
           "antonym_substitutions": antonym, "antonym_share": round(antonym / max(len(swaps), 1), 4),
           "polarity_substitutions": polar, "polarity_share": round(polar / max(len(swaps), 1), 4),
           "successes_with_a_polarity_change": polar_attacks,
           "mean_window_similarity": round(statistics.fmean(sims), 3) if sims else None,
           "lowest_window_similarity": round(min(sims), 3) if sims else None, "seconds": round(seconds, 1)}
    print(json.dumps(row))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="results/train/mr/clean/none/seed13/model")
    parser.add_argument("--data", default="results/clean/mr/test.parquet")
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--recipe", default="glove_swap", choices=["glove_swap", "pwws"])
    parser.add_argument("--max-candidates", type=int, default=25, help="the default experiment's glove setting")
    parser.add_argument("--max-perturbed-ratio", type=float, default=0.3)
    parser.add_argument("--show", type=int, default=20)
    parser.add_argument("--min-similarity", type=float, default=None, help="override the recipe's threshold")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    set_threads(os.cpu_count())
    rows = attack_slice(read_rows(args.data), args.examples, args.seed, "test")
    given = {"type": args.recipe, "query_budget": None, "max_perturbed_ratio": args.max_perturbed_ratio,
             "sentence_encoder": "minilm", **({"max_candidates": args.max_candidates} if args.recipe == "glove_swap" else {})}
    if args.min_similarity is not None:
        given["min_similarity"] = args.min_similarity
    constrained = RecipeSettings.from_config({**given, "same_polarity": False})
    unconstrained = dataclasses.replace(constrained, block_antonyms=False, same_pos=False, min_similarity=None)
    polarity = dataclasses.replace(constrained, same_polarity=True)
    trained = load_trained(task_for("classification"), args.model)
    encoder = Encoder("minilm")
    print(f"{args.recipe} on {len(rows)} rows of {args.data} against {args.model}")
    results = {}
    for name, settings in (("no constraints", unconstrained), ("constraints", constrained),
                           ("constraints + same polarity", polarity)):
        start = time.perf_counter()
        records = attack_classifier(rows, args.recipe, settings, trained, args.seed, batch_size=64, device="cpu")
        results[name] = records
        describe(name, records, encoder, time.perf_counter() - start)
    succeeded = {name: {r["id"]: r for r in records if r["status"] == "success"} for name, records in results.items()}
    shown = 0
    for r in results["constraints + same polarity"]:
        if shown == args.show:
            break
        if any(r["id"] in found for found in succeeded.values()):
            shown += 1
            print(f"- {r['id']} ({r['label']}): {r['text']}")
            for name, found in succeeded.items():
                print(f"    {name + ':':29s} {found[r['id']]['changed_words'] if r['id'] in found else 'failed'}")


if __name__ == "__main__":
    main()
