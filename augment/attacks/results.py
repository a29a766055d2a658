"""Attack outcomes as plain records (the row format of attack artifacts) and their summary."""

from __future__ import annotations

from collections import Counter


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
    gold = int(original.ground_truth_output)
    return {
        "id": row["id"], "recipe": recipe, "status": status, "text": row["text"], "label": row["label"],
        "perturbed_text": perturbed.attacked_text.text if status == "success" else row["text"],
        "original_prediction": label_names[int(original.output)],
        "perturbed_prediction": label_names[int(perturbed.output)],
        "changed_words": words, "perturbed_ratio": len(words) / n_words, "queries": int(perturbed.num_queries),
        # the model's probability of the gold label on the original text and on the attack's final text
        "confidence": [gold_probability(original.raw_output, gold), gold_probability(perturbed.raw_output, gold)],
    }


def gold_probability(probabilities, gold: int) -> float:
    """Four decimals (0.01 %): enough to read, and far above the last-bit noise of a forward pass."""
    return round(float(probabilities[gold]), 4)


def attack_summary(records: list[dict]) -> dict:
    """Success rate over attempted examples (the model was right), accuracy under attack over all."""
    status = Counter(r["status"] for r in records)
    attempted = status["success"] + status["failed"]
    successes = [r for r in records if r["status"] == "success"]
    return {"examples": len(records), "success": status["success"], "failed": status["failed"],
            "skipped": status["skipped"], "success_rate": status["success"] / attempted if attempted else 0.0,
            "mean_perturbed_ratio": sum(r["perturbed_ratio"] for r in successes) / len(successes) if successes else 0.0,
            "mean_queries": sum(r["queries"] for r in records if r["status"] != "skipped") / attempted if attempted else 0.0}
