"""The augmentation report as readable Markdown (its JSON twin feeds the final report)."""

from __future__ import annotations


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: dict) -> str:
    merge = report["merge"]
    lines = [f"# Augmentation report: {report['dataset']} ({report['task']})", "",
             f"Training set: {merge['original_rows']} original + {merge['augmented_rows']} augmented rows "
             f"(ratio cap {merge['ratio']} = {merge['cap']} rows, dedup {'on' if merge['dedup'] else 'off'}).", "",
             "| augmenter | type | rows in | attempted | produced | filtered | mean edit distance | changed tokens | kept in merge |",
             "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
    for name, s in report["augmenters"].items():
        filtered = ", ".join(f"{k} {v}" for k, v in s["filtered"].items()) or "0"
        kept = merge["per_augmenter"].get(name, {}).get("kept", "not merged")
        lines.append(f"| {name} | {s['type']} | {s['rows_in']} | {s['attempted']} | {s['produced']} | {filtered} | "
                     f"{s['mean_edit_distance']} | {s['mean_changed_token_rate']:.1%} | {kept} |")
    lines += ["", "## Merge", "", "| augmenter | offered | equal to train | equal to dev/test | duplicate | over ratio | kept |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, m in merge["per_augmenter"].items():
        lines.append(f"| {name} | {m['offered']} | {m['equal_to_train']} | {m['equal_to_dev_test']} | {m['duplicate']} | "
                     f"{m['over_ratio']} | {m['kept']} |")
    lines += ["", "## Examples", "", "| augmenter | parent | before | after |", "| --- | --- | --- | --- |"]
    for name, s in report["augmenters"].items():
        for e in s["examples"]:
            lines.append(f"| {name} | {e['parent_id']} | {_cell(e['before'])} | {_cell(e['after'])} |")
    return "\n".join(lines) + "\n"
