"""Model cards (report/model_card.py) from a summary: the figures, the Hub's format, the export."""

from __future__ import annotations

import pytest
from huggingface_hub import ModelCard

from report.model_card import export_model, model_cards, write_model_cards
from robustflow.atomic import write_json
from robustflow.errors import ConfigError


def run(seed: int, clean: float, under: float) -> dict:
    return {"trainset": "clean", "method": "pgd", "seed": seed, "defence": None,
            "evaluation": {"headline": clean, "clean": {"accuracy": clean, "n": 40},
                           "suites": {}, "attacks": {"glove": {"metric_under_attack": under, "examples": 20}}}}


def summary(*runs: dict) -> dict:
    interval = {"clean": {"value": 0.8, "low": 0.7, "high": 0.9, "n": 40},
                "under glove": {"value": 0.5, "low": 0.3, "high": 0.7, "n": 20}}
    return {"task": "classification", "software": {"robustflow": "0.1.0"},
            "config": {"model": {"name_or_path": "/models/local-encoder"}},
            "datasets": {"mr": {"runs": list(runs), "evidence": {"intervals": {"clean/pgd": interval}}}}}


def test_a_seed_of_several_gets_its_own_figures_and_no_pooled_interval():
    one = ModelCard(model_cards(summary(run(7, 0.8, 0.5)), "c0de")["mr/clean/pgd/seed7"])
    assert {r.metric_config: r.metric_args for r in one.data.eval_results} == {
        "clean": {"n": 40, "interval_95": [0.7, 0.9]}, "attack/glove": {"n": 20, "interval_95": [0.3, 0.7]}}
    assert one.data.base_model is None, "a local folder is no Hub id"
    assert one.data.robustflow["train_code"] == "c0de"

    cards = model_cards(summary(run(7, 0.8, 0.5), run(8, 0.75, 0.45)), "c0de")
    seed8 = ModelCard(cards["mr/clean/pgd/seed8"])
    assert {r.metric_config: (r.metric_value, r.metric_args) for r in seed8.data.eval_results} == {
        "clean": (0.75, {"n": 40}), "attack/glove": (0.45, {"n": 20})}, "the interval pools both seeds: not this model's"
    assert "| accuracy under the glove attack | 0.450 | 20 | - |" in seed8.text


def test_export_refuses_a_model_without_a_card_and_names_those_with_one(tmp_path):
    write_json(tmp_path / "summary.json", summary(run(7, 0.8, 0.5)))
    assert write_model_cards(str(tmp_path / "summary.json"), str(tmp_path / "cards"), "c0de") == 1
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")
    with pytest.raises(ConfigError, match="no model card for mr/clean/none/seed7 .* export one of mr/clean/pgd/seed7"):
        export_model(str(tmp_path / "model"), str(tmp_path / "cards"), "mr/clean/none/seed7", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
    export_model(str(tmp_path / "model"), str(tmp_path / "cards"), "mr/clean/pgd/seed7", str(tmp_path / "out"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["README.md", "config.json"]


def test_an_existing_model_s_card_is_read_and_a_broken_one_is_reported_not_fatal(tmp_path):
    from report.model_card import card_results, measured_here

    good = tmp_path / "good.md"
    good.write_text(model_cards(summary(run(7, 0.8, 0.5)), "c0de")["mr/clean/pgd/seed7"])
    read = card_results(str(good))
    assert read["error"] is None and [(r["config"], r["value"], r["n"]) for r in read["results"]] == [
        ("clean", 0.8, 40), ("attack/glove", 0.5, 20)]
    evaluation = run(7, 0.82, 0.4)["evaluation"]
    assert [measured_here(evaluation, r["config"]) for r in read["results"]] == [0.82, 0.4]
    assert measured_here(evaluation, "attack/pwws") is None and measured_here(evaluation, None) is None

    broken = tmp_path / "broken.md"
    broken.write_text("---\nmodel-index: [unclosed\n---\n# a hand-written card\n")
    read = card_results(str(broken))
    assert read["results"] == [] and read["error"]
