"""One attack outcome as a plain record (the row format of attack artifacts)."""

from __future__ import annotations


def changed_words(original, perturbed) -> list[list[str]]:
    """[[old, new], ...] for the word positions the attack changed (TextAttack's word alignment)."""
    indices = sorted(original.all_words_diff(perturbed))
    return [[original.words[i], perturbed.words[i] if i < len(perturbed.words) else ""] for i in indices]


def outcome_record(row: dict, recipe: str, result, label_names: list[str]) -> dict:
    from textattack.attack_results import FailedAttackResult, SkippedAttackResult, SuccessfulAttackResult

    status = {SuccessfulAttackResult: "success", FailedAttackResult: "failed",
              SkippedAttackResult: "skipped"}.get(type(result), "failed")
    original, perturbed = result.original_result, result.perturbed_result
    words = changed_words(original.attacked_text, perturbed.attacked_text) if status == "success" else []
    n_words = max(len(original.attacked_text.words), 1)
    return {
        "id": row["id"], "recipe": recipe, "status": status, "text": row["text"], "label": row["label"],
        "perturbed_text": perturbed.attacked_text.text if status == "success" else row["text"],
        "original_prediction": label_names[int(original.output)],
        "perturbed_prediction": label_names[int(perturbed.output)],
        "changed_words": words, "perturbed_ratio": len(words) / n_words, "queries": int(perturbed.num_queries),
    }
