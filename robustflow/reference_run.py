"""Where an accepted earlier run's report lives (config `compare.reference`).

A reviewer points at what they kept: the run's folder, its results/ or its results/report/. The
report folder is enough: its summary.json has the figures, settings, data fingerprints and code
versions, its outcomes.json the per-row outcomes a paired comparison needs (an older run without
outcomes.json is compared through its intervals)."""

from __future__ import annotations

from pathlib import Path

from robustflow.errors import ConfigError

SUMMARY, OUTCOMES = "summary.json", "outcomes.json"
PLACES = (".", "report", "results/report")


def report_folder(path: str | Path) -> Path:
    """The folder holding the reference's summary.json; ConfigError naming where it looked."""
    root = Path(path).expanduser()
    for place in PLACES:
        if (root / place / SUMMARY).is_file():
            return (root / place).resolve()
    looked = ", ".join(str(root / place / SUMMARY) for place in PLACES)
    raise ConfigError(f"`compare.reference`: {str(path)!r} holds no robustflow report (looked for {looked}). "
                      "Fix: point it at a previous run's folder, its results/ or its results/report/ "
                      "(keep that folder from the run you accepted, e.g. as a CI artifact).")


def reference_files(path: str | Path) -> list[str]:
    """The files of the reference a report reads: its summary, and its outcomes when it kept them."""
    folder = report_folder(path)
    return [str(folder / name) for name in (SUMMARY, OUTCOMES) if (folder / name).is_file()]
