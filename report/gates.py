"""Robustness gates: thresholds from the config checked on the report's figures, for CI.

The report job evaluates every gate on every gated variant (gates.json, a JUnit XML file that CI
systems read, and a table in the report), so the results exist whatever the outcome; the `gates`
rule then fails the run when one failed, with a one-screen summary. Figures are fractions (0.7 =
70 %), the same as in summary.json; each gate reads the figure's point value, and the report shows
its bootstrap interval beside it.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from robustflow.errors import RobustflowError
from robustflow.gate_metrics import METRICS


class GateFailure(RobustflowError):
    """A robustness gate failed: the model is more fragile than the config allows."""


def _value(gate: dict, data: dict, variant: str) -> tuple[float | None, dict | None]:
    """(the gated figure of ``variant``, its interval from the evidence or None)."""
    option, label = METRICS[gate["metric"]]
    what = gate.get(option) if option else None
    if label is not None:
        interval = data["evidence"]["intervals"][variant][label.format(what)]
        return interval["value"], interval
    key = "drop" if gate["metric"] == "suite_drop" else "pass_rate"
    return data["variants"][variant]["suites"][what][key]["mean"], None


def regression_results(name: str, gate: dict, summary: dict) -> list[dict]:
    """One result per gated variant and figure compared with the reference run: it fails when the
    figure is worse by more than the margin and the interval of the difference excludes zero (so a
    difference the rows cannot tell from noise never fails CI). A variant or figure the reference did
    not have has nothing to regress from: it passes, and the report lists it as new."""
    margin, results = gate.get("margin", 0.0), []
    for c in (summary.get("reference") or {}).get("comparisons", []):
        if (gate["variants"] and c["variant"] not in gate["variants"]) or (gate.get("figures") and c["figure"] not in gate["figures"]):
            continue
        worse_by = None if c["difference"] is None else (-c["difference"] if c["higher_is_better"] else c["difference"])
        beyond_noise = c["low"] is not None and (c["high"] < 0 if c["higher_is_better"] else c["low"] > 0)
        results.append({"gate": name, "dataset": c["dataset"], "variant": c["variant"], "metric": "regression",
                        "of": c["figure"], "value": c["difference"], "bound": "regression", "threshold": margin,
                        "passed": not (worse_by is not None and worse_by > margin and beyond_noise),
                        "low": c["low"], "high": c["high"], "reference_value": c["reference_value"]})
    if not results:  # a gate that checks nothing must not pass silently
        results.append({"gate": name, "dataset": "–", "variant": "–", "metric": "regression",
                        "of": "no figure in common with the reference run", "value": None, "bound": "regression",
                        "threshold": margin, "passed": False, "low": None, "high": None, "reference_value": None})
    return results


def check_gates(gates: dict, summary: dict) -> list[dict]:
    """One result per gate, dataset and gated variant (a regression gate: and figure), in config order."""
    results = []
    for name, gate in gates.items():
        if gate["metric"] == "regression":
            results += regression_results(name, gate, summary)
            continue
        bound, threshold = ("min", gate["min"]) if "min" in gate else ("max", gate["max"])
        for dataset, data in summary["datasets"].items():
            for variant in gate["variants"] or list(data["variants"]):
                value, interval = _value(gate, data, variant)
                passed = value is not None and (value >= threshold if bound == "min" else value <= threshold)
                results.append({"gate": name, "dataset": dataset, "variant": variant, "metric": gate["metric"],
                                "of": gate.get("recipe") or gate.get("suite"), "value": value, "bound": bound,
                                "threshold": threshold, "passed": passed,
                                "low": interval["low"] if interval else None,
                                "high": interval["high"] if interval else None})
    return results


def describe(result: dict) -> str:
    what = result["metric"] + (f" {result['of']}" if result["of"] else "")
    if result["bound"] == "regression":
        change = "no value" if result["value"] is None else (
            f"{result['value']:+.4f} against the reference ({result['low']:+.4f} to {result['high']:+.4f})")
        return (f"{result['dataset']} {result['variant']}: {what} = {change}, may be worse by at most "
                f"{result['threshold']} unless within noise")
    value = "no value" if result["value"] is None else f"{result['value']:.4f}"
    sign = ">=" if result["bound"] == "min" else "<="
    return f"{result['dataset']} {result['variant']}: {what} = {value}, needs {sign} {result['threshold']}"


def junit_xml(results: list[dict]) -> str:
    """The gates as one JUnit test suite (a test case per gate and variant); no timestamps, so the
    same results give the same bytes."""
    failures = sum(not r["passed"] for r in results)
    cases = []
    for r in results:
        name = quoteattr(f"{r['gate']} [{r['dataset']} {r['variant']}]")
        case = f'  <testcase classname="robustflow.gates" name={name} time="0"'
        if r["passed"]:
            cases.append(case + "/>")
        else:
            message = describe(r)
            cases.append(f"{case}>\n    <failure message={quoteattr(message)} type=\"GateFailure\">"
                         f"{escape(message)}</failure>\n  </testcase>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites tests="{len(results)}" failures="{failures}">\n'
            f'<testsuite name="robustflow robustness gates" tests="{len(results)}" failures="{failures}" errors="0">\n'
            + "".join(c + "\n" for c in cases) + "</testsuite>\n</testsuites>\n")


def enforce(results: list[dict]) -> str:
    """The one-screen summary; raises GateFailure with it when a gate failed."""
    failed = [r for r in results if not r["passed"]]
    lines = [f"robustness gates: {len(results) - len(failed)} of {len(results)} passed"]
    lines += [f"  FAILED {r['gate']}: {describe(r)}" for r in failed]
    summary = "\n".join(lines)
    if failed:
        raise GateFailure(summary + "\n(the report and results/report/junit.xml are written; see the gates table "
                                    "in results/report/report.html)")
    return summary


def enforce_file(gates_json: str, out_passed: str) -> None:
    """The `gates` job: fail with the summary (stderr and the job log) or write it to ``out_passed``."""
    import json
    import logging

    from robustflow.atomic import write_text

    summary = enforce(json.loads(open(gates_json, encoding="utf-8").read()))
    logging.getLogger(__name__).info("%s", summary)
    write_text(out_passed, summary + "\n")
