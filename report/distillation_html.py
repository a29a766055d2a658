"""The report's "Students beside their teachers" section (report/distillation.py computes it)."""

from __future__ import annotations

from report.tables import COMPUTE_LINK, esc, pct, table

HEADERS = ["figure", "baseline %", "teacher %", "student %", "student − teacher, points (interval)", "test", "rows",
           "Holm p", "verdict", "teacher's gain kept"]


def _verdict(c: dict) -> str:
    if not c["real"]:
        return "<span class='muted'>within noise</span>"
    better = (c["difference"] > 0) == c["higher_is_better"]
    return "<span class='pos'><b>better</b></span>" if better else "<span class='neg'><b>worse</b></span>"


def _row(c: dict) -> list[str]:
    interval = "" if c["low"] is None else f" <span class='muted'>({pct(c['low'], True)} to {pct(c['high'], True)})</span>"
    kept = "–" if c["kept"] is None else f"{c['kept']:.0%}"
    return [esc(c["figure"]), pct(c["baseline"]), pct(c["teacher"]), pct(c["student"]), pct(c["difference"], True) + interval,
            esc(c["test"]), str(c["n"]), f"{c['p_adjusted']:.2g}", _verdict(c), kept]


def _size(p: dict) -> str:
    if not p["student"] or not p["teacher"]:
        return ""
    return (f" Size: {p['student'] / 1e6:.1f} M parameters against the teacher's {p['teacher'] / 1e6:.1f} M "
            f"({p['student'] / p['teacher']:.0%}).")


def distillation_html(dataset: str, entries: list[dict], plots: dict[str, str], image) -> str:
    """``image(path, caption)`` renders a plot (report/html.py)."""
    if not entries:
        return ""
    parts = [f"<h3>Students beside their teachers ({esc(dataset)})</h3><p class='muted'>Each student against each "
             "variant of its teacher on the same rows (difference = student − teacher; paired tests, Holm-adjusted per "
             "student and teacher; real when below alpha with the interval excluding zero). \"Gain kept\" = (student − "
             f"baseline) / (teacher − baseline), given where the teacher's gain over the baseline is real. Prediction time per 1,000 rows, and the student's as a share of its "
             f"teacher's: the {COMPUTE_LINK} (timings change from run to run, so they are kept out of results/).</p>"]
    for e in entries:
        worse = [c for c in e["comparisons"] if c["real"] and (c["difference"] > 0) != c["higher_is_better"]]
        parts.append(f"<h4>{esc(e['student'])} ← {esc(e['teacher'])} (teacher <code>{esc(e['teacher_name'])}</code>)</h4>"
                     f"<p>{len(worse)} of {len(e['comparisons'])} figures really worse than the teacher.{_size(e['parameters'])}</p>")
        key = f"student beside teacher: {dataset}: {e['student']} <- {e['teacher']}"  # report/plots.py
        if key in plots:
            parts.append(image(plots[key], "Student − teacher per figure with its interval, in points, right = better "
                                           "(lower-is-better figures flipped); red: really worse, green: really better."))
        parts.append(table(HEADERS, [_row(c) for c in e["comparisons"]], left=1))
    return "".join(parts)
