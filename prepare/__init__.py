"""Data preparation: built-in sources, readers for every file format, ingest into train/dev/test
splits with stable ids, and the cleaning rules (rules/prepare.smk)."""
