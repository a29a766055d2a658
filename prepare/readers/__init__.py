"""Readers for every source format (CSV/TSV, JSONL, Parquet, CoNLL, hub datasets) into rows that
point back at their file and line."""
