"""Since the reference run: this run's figures against an accepted earlier run's (config `compare`).

For every variant and compared figure present in both runs: the difference (this run − reference)
with its interval and a test, Holm-adjusted over the whole section. Rows are paired when both runs
evaluated the same rows (same ids: the data did not change), resampled apart otherwise; a reference
that kept no per-row outcomes (an older run) is compared through its intervals. A difference is
real, as everywhere in the report, when its adjusted p is below alpha and its interval excludes
zero. Beside the figures: what is new, what disappeared, and which data, settings, code and
packages differ, from what each run recorded.
"""

from __future__ import annotations

import json
from math import erfc, sqrt
from pathlib import Path
from statistics import NormalDist

from experiments.tracking.records import flat
from report.statistics import COMPARED, LOWER_IS_BETTER
from robustflow import stats
from robustflow.reference_run import OUTCOMES, SUMMARY, report_folder

# Keys of the config that change no figure: where to compare with, what to gate, where to log.
NOT_SETTINGS = ("compare", "gates", "tracking")


def load(path: str) -> tuple[dict, dict | None, Path]:
    """(summary, outcomes or None, report folder) of the reference."""
    folder = report_folder(path)
    summary = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
    outcomes = json.loads((folder / OUTCOMES).read_text(encoding="utf-8")) if (folder / OUTCOMES).is_file() else None
    return summary, outcomes, folder


def higher_is_better(figure: str) -> bool:
    return figure not in LOWER_IS_BETTER


def _aligned(rows: list[list], ids: list, order: list) -> list[list]:
    """One row list per seed, reordered to ``order`` of ids."""
    where = {row_id: i for i, row_id in enumerate(ids)}
    return [[seed[where[row_id]] for row_id in order] for seed in rows]


def _from_outcomes(now: dict, ref: dict, settings: dict, *seed: object) -> dict:
    if sorted(map(str, now["ids"])) == sorted(map(str, ref["ids"])) and len(set(map(str, now["ids"]))) == len(now["ids"]):
        ref_rows = _aligned(ref["rows"], [str(i) for i in ref["ids"]], [str(i) for i in now["ids"]])
        test = stats.paired_difference(now["measure"], now["rows"], ref_rows, settings["bootstrap"],
                                       settings["confidence"], "reference", *seed)
        return {**test, "paired": True, "n_reference": test["n"]}
    test = stats.unpaired_difference(now["measure"], now["rows"], ref["rows"], settings["bootstrap"],
                                     settings["confidence"], "reference", *seed)
    return {**test, "paired": False, "n_reference": test.pop("n_other", len(ref["ids"]))}


def _from_intervals(now: dict, ref: dict, level: float) -> dict:
    """Normal approximation from the two percentile intervals (the reference kept no rows)."""
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    if now["low"] is None or ref["low"] is None:
        return {"difference": None, "low": None, "high": None, "p": 1.0, "test": "none (no interval)",
                "n": now["n"], "n_reference": ref["n"], "paired": False}
    if all(now[k] == ref[k] for k in ("value", "low", "high", "n")):
        return {"difference": 0.0, "low": 0.0, "high": 0.0, "p": 1.0, "n": now["n"], "n_reference": ref["n"],
                "test": "the same figure and interval (the reference kept no per-row outcomes)", "paired": False}
    se = sqrt(((now["high"] - now["low"]) / (2 * z)) ** 2 + ((ref["high"] - ref["low"]) / (2 * z)) ** 2)
    difference = now["value"] - ref["value"]
    p = erfc(abs(difference) / se / sqrt(2)) if se > 0 else float(difference == 0)
    return {"difference": difference, "low": difference - z * se, "high": difference + z * se, "p": p,
            "test": "from the intervals (the reference kept no per-row outcomes)", "n": now["n"],
            "n_reference": ref["n"], "paired": False}


def _change(c: dict) -> str:
    """identical / better / worse (real) / noise."""
    if c["difference"] is None:
        return "not measured"
    if c["difference"] == 0 and c["low"] == 0 and c["high"] == 0:
        return "identical"
    if not c["real"]:
        return "noise"
    return "better" if (c["difference"] > 0) == c["higher_is_better"] else "worse"


def comparisons(summary: dict, outcomes: dict, ref_summary: dict, ref_outcomes: dict | None, settings: dict,
                seed: int) -> tuple[list[dict], list[dict], list[dict]]:
    """(comparisons, new, gone): every compared figure of every variant in both runs; what only this
    run has; what only the reference had."""
    out, new, gone = [], [], []
    for ds, data in summary["datasets"].items():
        ref_data = ref_summary.get("datasets", {}).get(ds)
        if ref_data is None:
            new.append({"dataset": ds, "variant": None, "figure": None})
            continue
        now_iv, ref_iv = data["evidence"]["intervals"], ref_data["evidence"]["intervals"]
        for variant, figures in now_iv.items():
            if variant not in ref_iv:
                new.append({"dataset": ds, "variant": variant, "figure": None})
                continue
            for figure, stat in figures.items():
                if not figure.startswith(COMPARED):
                    continue
                if figure not in ref_iv[variant]:
                    new.append({"dataset": ds, "variant": variant, "figure": figure})
                    continue
                now_rows = outcomes.get(ds, {}).get(variant, {}).get(figure)
                ref_rows = (ref_outcomes or {}).get(ds, {}).get(variant, {}).get(figure)
                if now_rows and ref_rows and now_rows["measure"] == ref_rows["measure"]:
                    test = _from_outcomes(now_rows, ref_rows, settings, seed, ds, variant, figure)
                else:
                    test = _from_intervals(stat, ref_iv[variant][figure], settings["confidence"])
                out.append({"dataset": ds, "variant": variant, "figure": figure, "value": stat["value"],
                            "reference_value": ref_iv[variant][figure]["value"], **test,
                            "higher_is_better": higher_is_better(figure)})
            gone += [{"dataset": ds, "variant": variant, "figure": f} for f in ref_iv[variant]
                     if f.startswith(COMPARED) and f not in figures]
        gone += [{"dataset": ds, "variant": v, "figure": None} for v in ref_iv if v not in now_iv]
    gone += [{"dataset": ds, "variant": None, "figure": None} for ds in ref_summary.get("datasets", {})
             if ds not in summary["datasets"]]
    adjusted = stats.holm([c["p"] for c in out])
    for c, p in zip(out, adjusted):
        c["p_adjusted"] = p
        c["real"] = bool(c["low"] is not None and p < settings["alpha"] and (c["low"] > 0 or c["high"] < 0))
        c["change"] = _change(c)
    return out, new, gone


def _differences(what: str, now: dict, ref: dict) -> list[dict]:
    return [{"what": what, "name": k, "reference": ref.get(k), "now": now.get(k)}
            for k in sorted(set(now) | set(ref)) if now.get(k) != ref.get(k)]


def provenance_changes(summary: dict, ref_summary: dict) -> dict:
    """What differs between the two runs' records: data (fingerprint of each dataset's clean splits),
    settings (the config, without compare/gates/tracking), code (each stage's code version) and
    packages; ``unrecorded`` names what the reference did not record (an older robustflow)."""
    now_p, ref_p = summary.get("provenance") or {}, ref_summary.get("provenance") or {}
    settings = [d for d in _differences("settings", flat({k: v for k, v in summary["config"].items() if k not in NOT_SETTINGS}),
                                        flat({k: v for k, v in ref_summary.get("config", {}).items() if k not in NOT_SETTINGS}))]
    return {"data": _differences("data", now_p.get("data", {}), ref_p.get("data", {})) if "data" in ref_p else [],
            "settings": settings,
            "code": _differences("code", now_p.get("code", {}), ref_p.get("code", {})) if "code" in ref_p else [],
            "software": _differences("software", summary.get("software", {}), ref_summary.get("software", {})),
            "unrecorded": [k for k in ("data", "code") if k not in ref_p]}


def _sentence(c: dict, level: float) -> str:
    return (f"{c['dataset']} {c['variant']} is {c['change']} than in the reference run on {c['figure']}: "
            f"{c['reference_value'] * 100:.1f} → {c['value'] * 100:.1f} ({c['difference'] * 100:+.1f} points, "
            f"{level:.0%} interval {c['low'] * 100:+.1f} to {c['high'] * 100:+.1f}; {c['test']}, "
            f"n={c['n']}{'' if c['paired'] else ' vs ' + str(c['n_reference'])}, Holm-adjusted p={c['p_adjusted']:.2g})")


def _named(differences: list[dict], shown: int = 4) -> str:
    """`a.b: 1.0 → 0.5, c: x → y` for the first few differences, then how many more."""
    def value(v) -> str:
        text = "–" if v is None else str(v)
        return text if len(text) <= 24 else text[:21] + "…"

    named = ", ".join(f"{d['name']}: {value(d['reference'])} → {value(d['now'])}" for d in differences[:shown])
    return named + (f" and {len(differences) - shown} more" if len(differences) > shown else "")


def plain_words(section: dict, level: float) -> list[str]:
    """The section's summary: the verdict, each real regression and improvement, what changed."""
    compared = section["comparisons"]
    counts = {k: sum(c["change"] == k for c in compared) for k in ("identical", "noise", "better", "worse")}
    if not compared:
        lines = ["Nothing to compare: no variant and figure is in both runs."]
    elif counts["identical"] == len(compared):
        lines = [f"No change: all {len(compared)} figures in both runs are identical, row for row."]
    else:
        lines = [f"{len(compared)} figures in both runs: {counts['worse']} worse, {counts['better']} better "
                 f"(real: Holm-adjusted p below {section['alpha']} and interval excluding zero), "
                 f"{counts['noise']} within noise, {counts['identical']} identical."]
    lines += [_sentence(c, level) for c in compared if c["change"] == "worse"]
    lines += [_sentence(c, level) for c in compared if c["change"] == "better"]
    for key, label in (("new", "New in this run"), ("gone", "No longer in this run")):
        items = [" ".join(x for x in (i["dataset"], i["variant"], i["figure"]) if x) for i in section[key]]
        if items:
            lines.append(f"{label}: {', '.join(items)}.")
    prov = section["provenance"]
    changed = [f"{k} ({_named(prov[k])})" for k in ("data", "settings", "code", "software") if prov[k]]
    lines.append("The runs differ in " + "; ".join(changed) + "." if changed
                 else "The runs recorded the same data, settings, code and packages.")
    if prov["unrecorded"]:
        lines.append(f"The reference recorded no {' or '.join(prov['unrecorded'])} versions (an older robustflow): "
                     "those cannot be compared.")
    return lines


def since_reference(summary: dict, outcomes: dict, path: str, settings: dict, seed: int) -> dict:
    """The report's "Since the reference run" section (summary.json's `reference`)."""
    ref_summary, ref_outcomes, folder = load(path)
    compared, new, gone = comparisons(summary, outcomes, ref_summary, ref_outcomes, settings, seed)
    section = {"reference": str(path), "folder": str(folder), "alpha": settings["alpha"],
               "rows_kept": ref_outcomes is not None, "comparisons": compared, "new": new, "gone": gone,
               "provenance": provenance_changes(summary, ref_summary)}
    section["summary"] = plain_words(section, settings["confidence"])
    return section
