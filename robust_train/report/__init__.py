"""The robustness report: summary.json (every figure), plots, and a self-contained HTML page."""
