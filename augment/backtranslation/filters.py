"""Quality filters for paraphrases; each returns the reason a paraphrase is rejected, or None."""

from __future__ import annotations

from robustflow.textkey import near_key


def reject_reason(source: str, paraphrase: str, min_ratio: float, max_ratio: float) -> str | None:
    if not paraphrase.strip():
        return "empty_translation"
    if near_key(paraphrase) == near_key(source):
        return "identical_to_source"
    ratio = len(paraphrase) / max(len(source), 1)
    if not min_ratio <= ratio <= max_ratio:
        return "length_ratio"
    return None
