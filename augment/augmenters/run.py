"""One augmenter job: augment the clean training split, count what was filtered and why."""

from __future__ import annotations

import logging
import random
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path

from rapidfuzz.distance import Levenshtein
from tqdm import tqdm

from augment.augmenters.build import build
from augment.augmenters.seeding import row_seed
from augment.augmenters.spec import AugmenterSpec
from augment.cleaning.ledger import show
from augment.cleaning.rules import content_key
from augment.common.atomic import write_json
from augment.io.artifacts import read_rows, write_rows

log = logging.getLogger(__name__)
EXAMPLES = 5


def _tokens(row: dict) -> list[str]:
    return row["tokens"] if "tokens" in row else row["text"].split()


def change_measures(before: dict, after: dict) -> tuple[int, float]:
    """Character edit distance and the share of original tokens not kept in place."""
    distance = Levenshtein.distance(show(before), show(after))
    old, new = _tokens(before), _tokens(after)
    kept = sum(block.size for block in SequenceMatcher(a=old, b=new, autojunk=False).get_matching_blocks())
    return distance, 1 - kept / max(len(old), 1)


def augment_rows(spec: AugmenterSpec, task: str, seed: int, train: list[dict],
                 resources: dict | None = None) -> tuple[list[dict], dict]:
    chosen = train
    if spec.fraction < 1:
        rng = random.Random(row_seed(seed, spec.name, "fraction"))
        keep = set(rng.sample(range(len(train)), round(spec.fraction * len(train))))
        chosen = [row for i, row in enumerate(train) if i in keep]
    augment = build(spec, task, train, chosen, {**(resources or {}), "seed": seed})
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
            key = content_key(new)
            if key == content_key(row):
                filtered["unchanged"] += 1
                continue
            if key in seen:
                filtered["duplicate_of_earlier_output"] += 1
                continue
            seen.add(key)
            distance, rate = change_measures(row, new)
            distances.append(distance)
            rates.append(rate)
            if len(examples) < EXAMPLES:
                examples.append({"parent_id": row["id"], "before": show(row), "after": show(new)})
            out.append(new)
    attempted = len(chosen) * spec.copies
    stats = {
        "augmenter": spec.name, "type": spec.type, "params": spec.__dict__, "task": task,
        "rows_in": len(train), "rows_selected": len(chosen), "attempted": attempted, "produced": len(out),
        "filtered": dict(sorted(filtered.items())),
        "mean_edit_distance": round(sum(distances) / len(distances), 3) if distances else 0.0,
        "mean_changed_token_rate": round(sum(rates) / len(rates), 4) if rates else 0.0,
        "examples": examples,
    }
    assert attempted == len(out) + sum(filtered.values())
    return out, stats


def run_augmenter(name: str, settings: dict, task: str, seed: int, train_path: str | Path, rows_path: str | Path,
                  stats_path: str | Path, resources: dict | None = None) -> dict:
    spec = AugmenterSpec.from_config(name, settings)
    rows, stats = augment_rows(spec, task, seed, read_rows(train_path), resources)
    write_rows(rows_path, rows, task, derived=True)
    write_json(stats_path, stats)
    log.info("%s: %d of %d attempts kept; filtered %s", name, stats["produced"], stats["attempted"], stats["filtered"])
    return stats
