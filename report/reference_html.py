"""The report's "Since the reference run" section (report/reference.py computes it)."""

from __future__ import annotations

from report.tables import esc, pct, table

ORDER = {"worse": 0, "better": 1, "noise": 2, "not measured": 3, "identical": 4}
MARK = {"worse": "<span class='neg'><b>worse</b></span>", "better": "<span class='pos'><b>better</b></span>",
        "noise": "<span class='muted'>within noise</span>", "identical": "<span class='muted'>identical</span>",
        "not measured": "<span class='muted'>–</span>"}


def _row(c: dict) -> list[str]:
    interval = "" if c["low"] is None else f" <span class='muted'>({pct(c['low'], True)} to {pct(c['high'], True)})</span>"
    n = str(c["n"]) if c["paired"] else f"{c['n']} vs {c['n_reference']}"
    return [esc(c["dataset"]), esc(c["variant"]), esc(c["figure"]), pct(c["reference_value"]), pct(c["value"]),
            pct(c["difference"], True) + interval, esc(c["test"]), n,
            "–" if c["difference"] is None else f"{c['p_adjusted']:.2g}", MARK[c["change"]]]


CAPTION = ("Every figure that moved since the reference run: its difference with its interval, in points, drawn so "
           "that right is better; red: really worse, green: really better, grey: within noise. Identical figures "
           "are left out.")
HEADERS = ["dataset", "variant", "figure", "reference %", "now %", "difference, points (interval)", "test", "rows",
           "Holm p", "change"]


def _value(v) -> str:
    text = esc(v if isinstance(v, str) else repr(v))
    return f"<code>{text[:120]}{'…' if len(text) > 120 else ''}</code>"


def provenance_html(prov: dict) -> str:
    rows = [[esc(d["what"]), esc(d["name"]), _value(d["reference"]), _value(d["now"])]
            for key in ("data", "settings", "code", "software") for d in prov[key]]
    if not rows:
        return "<p>Both runs recorded the same data, settings, code versions and packages.</p>"
    return ("<h3>What differs between the runs</h3><p class='muted'>data: fingerprint of each dataset's clean "
            "splits; settings: the validated config (compare, gates and tracking left out: they change no figure); "
            "code: the version of each stage's code (its script and every module it imports); software: "
            "package versions.</p>" + table(["what", "name", "reference", "now"], rows, left=4))


def reference_html(section: dict, plots: dict[str, str], image) -> str:
    """``image(path, caption)`` renders a plot (report/html.py)."""
    compared = sorted(section["comparisons"], key=lambda c: ORDER[c["change"]])
    moved = [c for c in compared if c["change"] != "identical"]
    same = [c for c in compared if c["change"] == "identical"]
    parts = [f"<h2>Since the reference run</h2><p class='muted'>reference: <code>{esc(section['folder'])}</code> "
             f"(<code>compare.reference: {esc(section['reference'])}</code>). Difference = this run − reference; "
             + ("rows paired where both runs evaluated the same rows, resampled apart otherwise"
                if section["rows_kept"] else "the reference kept no per-row outcomes: compared through its intervals")
             + f"; Holm-adjusted over the section's {len(compared)} comparisons; real when below "
               f"{section['alpha']} with the interval excluding zero.</p>",
             "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in section["summary"]) + "</ul>"]
    parts += [image(path, CAPTION) for name, path in plots.items() if name.startswith("since the reference")]
    if moved:
        parts.append(table(HEADERS, [_row(c) for c in moved], left=3))
    if same:
        parts.append(f"<details><summary>{len(same)} identical figures</summary>"
                     + table(HEADERS, [_row(c) for c in same], left=3) + "</details>")
    return "".join(parts) + provenance_html(section["provenance"])
