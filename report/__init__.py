"""The robustness report (rules/report.smk): summary.json (every figure), plots, and a
self-contained HTML page."""
