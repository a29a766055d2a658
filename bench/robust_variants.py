"""Try a training variant quickly: train one model in-process and attack it on the default's test rows.

The experiments behind the default's training settings (docs/results.md, "What was tried"). Each
call trains one variant on the cleaned split of a finished workflow run, with `config.yaml`'s
settings plus the given overrides, then attacks it with every `attack.evaluate` recipe on the same
seeded test rows (so variants are compared on the same rows with the same attack settings) and
appends one JSON line: clean test accuracy, accuracy under each attack, seconds, online cost.

    python bench/robust_variants.py NAME [--method none | none+spelling] [--trainset online]
        [--set '{"train": {"epochs": 3, "online": {"max_examples": 600}}}']
        [--train-path other_train.parquet] [--rows 100] [--threads 1] [--out robust_variants.jsonl]

Needs `results/clean/<dataset>/` from `snakemake --cores all` (or `snakemake results/clean/mr/report.json`).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import yaml

from augment.attacks.runners import attack_classifier
from augment.attacks.shards import attack_slice
from models.devices import set_threads
from models.trained import load_trained
from robust_train.fine_tune import FineTuneSettings, fine_tune
from robustflow.config import validate_config
from robustflow.recipes import RecipeSettings
from robustflow.rows import read_rows
from robustflow.tasks import task_for

METHOD_KEYS = {"fgm", "pgd", "freelb"}


def merge(base: dict, overrides: dict) -> dict:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


def train_params(cfg: dict, method: str, trainset: str) -> dict:
    """What rules/common.smk's train_params gives a job of this method (`<method>[+<defence>]`) and training set."""
    from robustflow.defence_settings import combined_settings
    from robustflow.variants import split_method

    method, defence = split_method(method)
    skip = (METHOD_KEYS - {method}) | {"methods", "trainsets", "seeds", "online"}
    params = {"settings": {k: v for k, v in cfg["train"].items() if k not in skip},
              "model": cfg["model"], "task": cfg["task"]}
    if defence:
        params["defence"] = {"name": defence, "settings": combined_settings(cfg["defences"], defence)}
    if trainset == "online":
        online = cfg["train"]["online"]
        params["online"] = {"settings": online, "recipes": {r: cfg["attack"]["recipes"][r] for r in online["recipes"]}}
    return params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("--config", default="config.yaml")
    parser.add_argument("--method", default="none", help="none, fgm, pgd, freelb; +<defence> (config's `defences`) "
                        "trains behind that input defence, e.g. none+spelling")
    parser.add_argument("--trainset", default="online", choices=["clean", "online"])
    parser.add_argument("--set", default="{}", help="JSON merged into the config")
    parser.add_argument("--train-path", help="a training parquet instead of the cleaned train split")
    parser.add_argument("--rows", type=int, default=100, help="test rows attacked")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="robust_variants.jsonl")
    args = parser.parse_args()

    cfg = validate_config(merge(yaml.safe_load(Path(args.config).read_text()), json.loads(args.set)))
    set_threads(args.threads)
    dataset = sorted(cfg["datasets"])[0]
    root = Path("results/clean") / dataset
    out = Path("results/bench/robust_variants") / args.name
    settings = FineTuneSettings.from_params(args.method.partition("+")[0], cfg["seed"],
                                            train_params(cfg, args.method, args.trainset))
    started = time.perf_counter()
    metrics = fine_tune(settings, args.train_path or root / "train.parquet", root / "dev.parquet",
                        root / "test.parquet", root / "report.json", out / "model", out / "metrics.json",
                        out / "timing.json")
    timing = json.loads((out / "timing.json").read_text())
    result = {"name": args.name, "method": args.method, "trainset": args.trainset, "set": json.loads(args.set),
              "train_path": args.train_path, "threads": args.threads,
              "clean_test": round(100 * metrics["test"]["accuracy"], 1),
              "train_seconds": round(time.perf_counter() - started)}
    task = task_for(cfg["task"])
    trained = load_trained(task, out / "model")
    rows = attack_slice(read_rows(root / "test.parquet"), args.rows, cfg["seed"], "test")
    for recipe in cfg["attack"]["evaluate"]["recipes"]:
        started = time.perf_counter()
        records = attack_classifier(rows, recipe, RecipeSettings.from_config(cfg["attack"]["recipes"][recipe]),
                                    trained, cfg["seed"], 64, "cpu")
        # accuracy under attack: rows the attack could not flip, among all attacked rows
        result[recipe] = round(100 * sum(r["status"] == "failed" for r in records) / len(records), 1)
        result[recipe + "_seconds"] = round(time.perf_counter() - started)
    result["online"] = [{"epoch": e["epoch"], "adversarial_rows": e["adversarial_rows"], "seconds": seconds}
                        for e, seconds in zip(metrics.get("online", []), timing["online_attack_seconds"])]
    print(json.dumps(result))
    with open(args.out, "a", encoding="utf-8") as f:
        f.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
