"""How much smaller each variant's drop under an attack or a suite is than the baseline's, with a
paired bootstrap interval (the issue's NER criterion: the drop cut by at least 30%).

The drop is the metric on the clean rows minus the metric on their perturbed copies, both from the
evaluation files' per-row contributions (entity F1 from per-sentence [tp, fp, fn], accuracy from
[correct]); each bootstrap draw resamples the rows, the same ones for the variant and the baseline
(an attack's rows are the same seeded test rows for every model), and recomputes both drops.

    python bench/drop_reduction.py results/evaluate/conll2003 [--baseline clean/none/seed13]
        [--figures attack:deepwordbug suite:typos_20 worst:glove|glove_eot] [--draws 2000]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from report import adaptive
from robustflow import stats


def contributions(evaluation: dict, kind: str, name: str) -> tuple[str, list, list, list]:
    """(measure, row ids, clean rows, perturbed rows) of one attack or suite of an evaluation file;
    kind `worst` and name `plain|adaptive`: the row-wise worst case of the two attacks, as the
    report computes it (report/adaptive.py)."""
    if kind == "worst":
        plain, adaptive_twin = name.split("|")
        name = f"{plain}{adaptive.SEPARATOR}{adaptive_twin}"
        evaluation = adaptive.with_worst_cases(evaluation, {name: (plain, adaptive_twin)})
    rows = evaluation["rows"]["attacks" if kind in ("attack", "worst") else "suites"][name]
    perturbed = rows["metric_under_attack" if kind in ("attack", "worst") else "metric"]
    return perturbed["measure"], perturbed["ids"], rows["clean_metric"]["rows"], perturbed["rows"]


def drops(measure: str, clean: np.ndarray, perturbed: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """The drop of every draw (rows resampled by ``picks``, draws x rows): the metric of the summed
    contributions (robustflow/stats.py's measures), clean minus perturbed."""
    metric, n = stats.MEASURES[measure], np.asarray(picks.shape[1], dtype=float)
    return metric(clean.reshape(len(clean), -1)[picks].sum(1), n) - metric(perturbed.reshape(len(perturbed), -1)[picks].sum(1), n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="results/evaluate/<dataset>")
    parser.add_argument("--baseline", default="clean/none/seed13")
    parser.add_argument("--figures", nargs="+", default=["attack:deepwordbug", "suite:typos_20"])
    parser.add_argument("--draws", type=int, default=2000)
    args = parser.parse_args()
    folder = Path(args.folder)
    files = {str(p.relative_to(folder).with_suffix("")): p for p in sorted(folder.glob("*/*/seed*.json"))}
    evaluations = {name: json.loads(path.read_text()) for name, path in files.items()}
    base = evaluations[args.baseline]
    for figure in args.figures:
        kind, name = figure.split(":")
        measure, ids, base_clean, base_perturbed = contributions(base, kind, name)
        rng = np.random.default_rng(13)
        picks = rng.integers(0, len(ids), size=(args.draws, len(ids)))
        b_clean, b_pert = np.asarray(base_clean, float), np.asarray(base_perturbed, float)
        base_drop = float(drops(measure, b_clean, b_pert, np.arange(len(ids))[None])[0])
        base_draws = drops(measure, b_clean, b_pert, picks)
        print(f"{figure}: baseline {args.baseline} drop {100 * base_drop:.1f} points (n={len(ids)})")
        for variant, evaluation in evaluations.items():
            if variant == args.baseline:
                continue
            m, v_ids, clean, perturbed = contributions(evaluation, kind, name)
            position = {row_id: k for k, row_id in enumerate(v_ids)}
            index = [position[row_id] for row_id in ids]  # the baseline's row order
            v_clean, v_pert = np.asarray(clean, float)[index], np.asarray(perturbed, float)[index]
            drop = float(drops(m, v_clean, v_pert, np.arange(len(ids))[None])[0])
            reduction = 1 - drops(m, v_clean, v_pert, picks) / np.where(base_draws == 0, np.nan, base_draws)
            low, high = np.nanpercentile(reduction, [2.5, 97.5])
            print(f"  {variant:32s} drop {100 * drop:5.1f}  cut {100 * (1 - drop / base_drop):5.1f}% "
                  f"(95% interval {100 * low:.1f}% to {100 * high:.1f}%)")


if __name__ == "__main__":
    main()
