"""Report plots drawn from figures that not every model has."""

from report.plots import attack_success, clean_vs_attack
from robustflow.tasks import task_for


def test_a_model_without_one_recipes_figure_still_gets_its_other_bars(tmp_path):
    """An earlier run's evaluation can carry a recipe the newer models were never attacked with."""
    figure = lambda value: {"value": value, "low": value - 0.05, "high": value + 0.05}  # noqa: E731
    variants = {"clean/none": {"attacks": {"glove": {}, "glove_eot": {}}}, "clean/ascc": {"attacks": {"glove": {}}}}
    intervals = {"clean/none": {"clean": figure(0.8), "under glove": figure(0.5), "under glove_eot": figure(0.5),
                                "glove: attack success": figure(0.4), "glove_eot: attack success": figure(0.4)},
                 "clean/ascc": {"clean": figure(0.78), "under glove": figure(0.57), "glove: attack success": figure(0.3)}}
    out = clean_vs_attack("mr", task_for("classification"), variants, intervals, tmp_path / "plot.png")
    assert out.is_file() and out.stat().st_size > 1000
    success = attack_success("mr", variants, intervals, tmp_path / "success.png")
    assert success.is_file() and success.stat().st_size > 1000
