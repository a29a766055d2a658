"""Students beside their teachers: every compared figure of a student against each of its teacher's
variants on the same rows (paired, Holm-adjusted per student and teacher), the share of the
teacher's gain over the baseline the student kept, and the two models' sizes."""

from __future__ import annotations

from report.statistics import comparisons
from robustflow.variants import split_method


def teacher_variants(config: dict, student: str) -> list[str] | None:
    """The variant keys of a student's teacher (`trainset/method`, or existing/<name>); None when
    ``student`` (a method) is not a student."""
    distil = config.get("distil") or {}
    spec = (distil.get("students") or {}).get(split_method(student)[0])
    if spec is None:
        return None
    teacher = distil["teachers"][spec["teacher"]]
    return [f"existing/{teacher['existing']}"] if "existing" in teacher else list(teacher["variants"])


def kept_share(student: float, teacher: float, baseline: float | None) -> float | None:
    """(student − baseline) / (teacher − baseline): 1 = the whole of the teacher's gain kept; None
    when the teacher gained nothing over the baseline (nothing to keep)."""
    if baseline is None or teacher == baseline:
        return None
    return (student - baseline) / (teacher - baseline)


def parameters(runs: list[dict]) -> int | None:
    return runs[0].get("parameters") if runs else None


def distillation_summary(config: dict, variants: dict[str, list[dict]], intervals: dict, baseline: str,
                         settings: dict, seed: int, dataset: str, against_baseline: list[dict] | None = None) -> list[dict]:
    """One entry per student variant and teacher variant that were both evaluated here.
    ``against_baseline``: the evidence's comparisons with the baseline; the share of the teacher's
    gain a student kept is given only where that gain is real (a gain within noise has nothing to keep)."""
    real = {(c["variant"], c["figure"]) for c in against_baseline or [] if c["real"]}
    out = []
    for name, runs in variants.items():
        trainset, _, method = name.partition("/")
        teachers = teacher_variants(config, method) if trainset != "existing" else None
        for teacher in teachers or []:
            if teacher not in variants:
                continue
            pair = {name: runs, teacher: variants[teacher]}
            compared = comparisons(pair, teacher, settings, seed, dataset, "distil")
            base = intervals.get(baseline, {})
            for c in compared:
                c["student"], c["teacher"] = intervals[name][c["figure"]]["value"], intervals[teacher][c["figure"]]["value"]
                c["baseline"] = base.get(c["figure"], {}).get("value")
                gained = (teacher, c["figure"]) in real and baseline not in (name, teacher)
                c["kept"] = kept_share(c["student"], c["teacher"], c["baseline"]) if gained else None
            out.append({"student": name, "teacher": teacher, "teacher_name": config["distil"]["students"][
                        split_method(method)[0]]["teacher"], "comparisons": compared,
                        "parameters": {"student": parameters(runs), "teacher": parameters(variants[teacher])}})
    return out
