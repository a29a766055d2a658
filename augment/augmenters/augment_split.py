"""One augmenter job: augment a split (train for training data, test for a perturbation suite),
count what was filtered and why."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from rapidfuzz.distance import Levenshtein
from tqdm import tqdm

from augment.augmenters.build import build
from augment.augmenters.spec import AugmenterSpec, Resources
from robustflow.atomic import write_json
from robustflow.rows import read_rows, write_rows
from robustflow.seeds import row_seed, seeded_sample
from robustflow.tasks import Task, task_for

log = logging.getLogger(__name__)
EXAMPLES = 5


@dataclass(frozen=True)
class AugmentSettings:
    spec: AugmenterSpec
    task: Task
    seed: int
    resources: Resources

    @classmethod
    def from_params(cls, name: str, params: dict) -> "AugmentSettings":
        """``params``: {settings: the augmenter's config, task, seed, resources: {cache, model}}."""
        return cls(AugmenterSpec.from_config(name, params["settings"]), task_for(params["task"]), params["seed"],
                   Resources(**params["resources"]))


def change_measures(task: Task, before: dict, after: dict) -> tuple[int, float]:
    """Character edit distance and the share of original words not kept in place."""
    distance = Levenshtein.distance(task.show(before), task.show(after))
    old, new = task.words(before), task.words(after)
    kept = sum(block.size for block in SequenceMatcher(a=old, b=new, autojunk=False).get_matching_blocks())
    return distance, 1 - kept / max(len(old), 1)


def augment_rows(spec: AugmenterSpec, task: Task | str, seed: int, train: list[dict],
                 resources: Resources | None = None) -> tuple[list[dict], dict]:
    """``resources``: what back-translation needs (the other types need none)."""
    task = task_for(task)
    chosen = seeded_sample(train, round(spec.fraction * len(train)), seed, spec.name, "fraction")
    augment = build(spec, task, train, chosen, resources, seed)
    out, filtered, seen = [], Counter(), set()
    distances, rates, examples = [], [], []
    params = spec.params_json()
    for row in tqdm(chosen, desc=f"augment {spec.name}", mininterval=10):
        for k in range(spec.copies):
            s = row_seed(seed, spec.name, row["id"], k)
            content, reason = augment(row, k, s)
            if content is None:
                filtered[reason] += 1
                continue
            new = {**row, **content, "id": f"{row['id']}~{spec.name}~{k}", "parent_id": row["id"],
                   "source": spec.name, "params": params, "seed": s}
            key = task.content_key(new)
            if key == task.content_key(row):
                filtered["unchanged"] += 1
                continue
            if key in seen:
                filtered["duplicate_of_earlier_output"] += 1
                continue
            seen.add(key)
            distance, rate = change_measures(task, row, new)
            distances.append(distance)
            rates.append(rate)
            if len(examples) < EXAMPLES:
                examples.append({"parent_id": row["id"], "before": task.show(row), "after": task.show(new)})
            out.append(new)
    attempted = len(chosen) * spec.copies
    stats = {
        "augmenter": spec.name, "type": spec.type, "params": spec.__dict__, "task": task.name,
        "rows_in": len(train), "rows_selected": len(chosen), "attempted": attempted, "produced": len(out),
        "filtered": dict(sorted(filtered.items())),
        "mean_edit_distance": round(sum(distances) / len(distances), 3) if distances else 0.0,
        "mean_changed_token_rate": round(sum(rates) / len(rates), 4) if rates else 0.0,
        "examples": examples,
    }
    assert attempted == len(out) + sum(filtered.values())
    return out, stats


def augment_split(settings: AugmentSettings, rows_in: str | Path, rows_out: str | Path, stats_out: str | Path) -> dict:
    spec, task = settings.spec, settings.task
    rows, stats = augment_rows(spec, task, settings.seed, read_rows(rows_in), settings.resources)
    write_rows(rows_out, rows, task, derived=True)
    write_json(stats_out, stats)
    log.info("%s: %d of %d attempts kept; filtered %s", spec.name, stats["produced"], stats["attempted"], stats["filtered"])
    return stats
