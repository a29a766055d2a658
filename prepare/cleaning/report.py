"""The cleaning report as a readable Markdown table (the JSON twin is the machine-readable one)."""

from __future__ import annotations

from robustflow.rows import SPLITS


def _cell(text: object) -> str:
    """User text in a table cell: markup escaped (Markdown viewers render raw HTML, so a label
    `<img src=x onerror=...>` would run), pipes escaped, on one line."""
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: dict) -> str:
    lines = [f"# Cleaning report: {_cell(report['dataset'])} ({report['task']})", "",
             "| split | rows in | dropped | repair events | rows out |", "| --- | ---: | ---: | ---: | ---: |"]
    for split in SPLITS:
        s = report["splits"][split]
        lines.append(f"| {split} | {s['rows_in']} | {s['dropped']} | {s['repair_events']} | {s['rows_out']} |")
    lines += ["", "## Rules", "", "| rule | action | " + " | ".join(SPLITS) + " |",
              "| --- | --- | " + " | ".join("---:" for _ in SPLITS) + " |"]
    for name, rule in report["rules"].items():
        cells = []
        for split in SPLITS:
            c = rule["counts"].get(split, {})
            parts = [f"{n} {k.replace('_', ' ')}" for k, n in c.items() if n]
            cells.append(", ".join(parts) or "0")
        lines.append(f"| {name} | {rule['action']} | " + " | ".join(cells) + " |")
    if report.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {_cell(n)}" for n in report["notes"]]
    lines += ["", "## Labels after cleaning", "", "| split | " + " | ".join(map(_cell, report["labels"])) + " |",
              "| --- | " + " | ".join("---:" for _ in report["labels"]) + " |"]
    for split in SPLITS:
        counts = report["splits"][split]["labels"]
        lines.append(f"| {split} | " + " | ".join(str(counts.get(l, 0)) for l in report["labels"]) + " |")
    examples = [(n, e) for n, r in report["rules"].items() for e in r["examples"]]
    if examples:
        lines += ["", "## Examples", "", "| rule | split | id | outcome | detail | before | after |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for name, e in examples:
            lines.append(f"| {name} | {e['split']} | {_cell(e['id'])} | {e['outcome']} | {_cell(e['detail'])} | "
                         f"{_cell(e['before'])} | {_cell(e.get('after', ''))} |")
    return "\n".join(lines) + "\n"
