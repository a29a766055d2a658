"""Config validation: defaults filled, every error names key path, bad value and what is allowed."""

from __future__ import annotations

import json

import pytest
import yaml

from robustflow.config import load_config
from robustflow.errors import ConfigError
from conftest import REPO, SCHEMA, minimal_config


def test_defaults_are_filled(validated):
    cfg = validated(minimal_config())
    assert cfg["seed"] == 13
    ds = cfg["datasets"]["d"]
    assert ds["columns"] == {"text": "text", "text_pair": None, "label": "label", "tokens": "tokens", "tags": "tags"}
    assert ds["split"] == {"dev": 0.1, "test": 0.2, "stratify": True}
    assert ds["source"]["format"] == "auto" and ds["source"]["encoding"] == "utf-8"
    assert ds["cleaning"]["unicode"] == {"action": "repair", "form": "NFC"}
    assert ds["cleaning"]["unknown_labels"]["action"] == "fail"
    assert ds["cleaning"]["exact_duplicates"]["splits"] == ["train", "dev", "test"]
    assert cfg["model"]["name_or_path"] == "minilm"


def test_dataset_cleaning_overrides_single_keys_of_the_global_section(validated):
    cfg = minimal_config(cleaning={"length": {"max_chars": 50}})
    cfg["cleaning"] = {"length": {"min_tokens": 2, "action": "fail"}, "html": {"action": "drop"}}
    ds = validated(cfg)["datasets"]["d"]["cleaning"]
    assert ds["length"] == {"action": "fail", "min_tokens": 2, "max_chars": 50, "min_chars": None, "max_tokens": None}
    assert ds["html"]["action"] == "drop"
    assert ds["whitespace"]["action"] == "repair"


def test_unquoted_off_in_yaml_turns_a_rule_off(validated):
    cfg = yaml.safe_load("task: ner\ndatasets: {d: {source: {files: {train: a.conll}}}}\ncleaning: {leakage: {action: off}}")
    assert validated(cfg)["datasets"]["d"]["cleaning"]["leakage"]["action"] == "off"


def _errors(validated, cfg) -> str:
    with pytest.raises(ConfigError) as info:
        validated(cfg)
    return str(info.value)


def test_typo_in_a_key_is_named_with_a_suggestion(validated):
    cfg = minimal_config()
    cfg["cleaning"] = {"lenght": {"min_tokens": 2}}
    msg = _errors(validated, cfg)
    assert "`cleaning`: unknown key 'lenght' (did you mean 'length'?)" in msg


def test_bad_enum_value_lists_the_allowed_values(validated):
    cfg = minimal_config()
    cfg["cleaning"] = {"html": {"action": "dorp"}}
    assert "`cleaning.html.action`: 'dorp' is not allowed; allowed: 'repair', 'drop', 'fail', 'off'" in _errors(validated, cfg)


def test_all_errors_are_reported_at_once(validated):
    cfg = {"task": "clasification", "seed": "x", "datasets": {"d": {"source": {"builtin": "mr", "files": {"train": "a"}}}}}
    msg = _errors(validated, cfg)
    assert "`task`: 'clasification' is not allowed" in msg
    assert "`seed`: expected integer, got 'x' (str)" in msg
    assert "`datasets.d.source`: set exactly one of builtin, files, hub (found: builtin, files)" in msg


def test_missing_required_keys(validated):
    assert "`<top level>`: 'datasets' is required but missing" in _errors(validated, {"task": "ner"})
    assert "`datasets.d`: 'source' is required but missing" in _errors(validated, {"task": "ner", "datasets": {"d": {}}})


def test_number_bounds_and_dataset_names(validated):
    assert "`datasets.d.split.dev`: 1.5 violates exclusiveMaximum 1" in _errors(validated, minimal_config(split={"dev": 1.5}))
    cfg = {"task": "ner", "datasets": {"bad/name": {"source": {"files": {"train": "x"}}}}}
    assert "name 'bad/name' is not allowed" in _errors(validated, cfg)


@pytest.mark.parametrize("change, expected", [
    ({"split": {"dev": 0.5, "test": 0.5}}, "dev (0.5) + test (0.5) must be below 1"),
    ({"cleaning": {"length": {"min_chars": 10, "max_chars": 5}}}, "min_chars (10) exceeds max_chars (5)"),
    ({"cleaning": {"unknown_labels": {"action": "repair"}}}, "repair only exists for NER"),
])
def test_rules_the_schema_cannot_express(validated, change, expected):
    assert expected in _errors(validated, minimal_config(**change))


def test_pairs_and_conll_need_the_right_task(validated):
    assert "pairs are for classification" in _errors(validated, minimal_config("ner", columns={"text_pair": "b"}))
    cfg = minimal_config(source={"files": {"train": "a"}, "format": "conll"})
    assert "conll is an NER format" in _errors(validated, cfg)


def test_load_config_reports_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml", SCHEMA)
    bad = tmp_path / "bad.yaml"
    bad.write_text("task: [ner\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad, SCHEMA)
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(bad, SCHEMA)


@pytest.mark.parametrize("path", sorted(p.name for p in (REPO / "workflow" / "configs").glob("*.yaml")) + ["../../config.yaml"])
def test_shipped_configs_are_valid(path):
    cfg = load_config(REPO / "workflow" / "configs" / path, SCHEMA)
    assert cfg["datasets"]


def _with(task: str, attack: dict | None = None, **top) -> dict:
    cfg = minimal_config(task)
    if attack is not None:
        cfg["attack"] = attack
    cfg.update(top)
    return cfg


@pytest.mark.parametrize("task, attack, train, expected", [
    ("classification", {"recipes": {"m": {"type": "mention_swap"}}}, None, "mention_swap does not exist for task classification"),
    ("ner", {"recipes": {"p": {"type": "pruthi"}}}, None, "pruthi does not exist for task ner"),
    ("classification", {"recipes": {"b": {"type": "mlm_swap"}}}, None, "mlm_swap needs a masked LM"),
    ("classification", {"recipes": {"w": {"type": "pwws", "min_cos_sim": 0.7}}}, None, "`attack.recipes.w.min_cos_sim`: only for embedding_swap, glove_swap"),
    ("classification", {"recipes": {"w": {"type": "pwws"}}, "generate": {"recipes": ["pws"]}}, None, "'pws' is not a configured recipe"),
    ("classification", {}, {"trainsets": ["adversarial"]}, "'adversarial' needs at least one recipe"),
    ("classification", {"recipes": {"w": {"type": "pwws"}}, "generate": {"recipes": []}}, {"trainsets": ["adversarial"]},
     "'adversarial' needs at least one recipe"),
])
def test_attack_settings_are_checked(validated, task, attack, train, expected):
    cfg = _with(task, attack)
    if train:
        cfg["train"] = train
    assert expected in _errors(validated, cfg)


def test_attack_recipe_lists_default_to_every_recipe_and_suites_to_the_task_defaults(validated):
    cfg = validated(_with("classification", {"recipes": {"a": {"type": "deepwordbug"}, "b": {"type": "pwws"}}}))
    assert cfg["attack"]["generate"]["recipes"] == cfg["attack"]["evaluate"]["recipes"] == ["a", "b"]
    assert set(cfg["evaluate"]["suites"]) == {"typos_5", "typos_10", "typos_20", "synonyms", "paraphrase"}
    assert cfg["evaluate"]["suites"]["typos_5"]["char_p"] == 0.1  # augmenter defaults filled in
    ner = validated(_with("ner"))
    assert "mentions" in ner["evaluate"]["suites"] and "paraphrase" not in ner["evaluate"]["suites"]


def test_suites_get_the_augmenter_checks(validated):
    cfg = _with("ner", evaluate={"suites": {"drop": {"type": "word_delete"}}})
    assert "`evaluate.suites.drop.type`: word_delete deletes words, which breaks NER labels" in _errors(validated, cfg)


def test_the_registries_and_the_schema_name_the_same_types():
    """Augmenter and recipe types are listed in the schema (what a user may write) and in their
    registries (what each type does and allows): the two lists must not drift."""
    from robustflow.recipes import RECIPES, RecipeSettings, option_names
    from robustflow.augmenter_types import TYPES

    schema = yaml.safe_load(SCHEMA.read_text())
    assert schema["$defs"]["augmenter"]["properties"]["type"]["enum"] == list(TYPES)
    recipe = schema["$defs"]["recipe"]["properties"]
    assert recipe["type"]["enum"] == list(RECIPES)
    assert sorted(set(recipe) - {"type", "query_budget", "max_perturbed_ratio", "sentence_encoder"}) == sorted(option_names())
    for name, known in RECIPES.items():  # the schema's descriptions quote the registry's defaults
        for option, default in known.options.items():
            if default is not None:
                assert f"(default {json.dumps(default)}" in recipe[option]["description"], (name, option)
        assert RecipeSettings.from_config({"type": name, "query_budget": None, "max_perturbed_ratio": None,
                                           "sentence_encoder": "minilm",
                                           **({"mlm": "m"} if "mlm" in known.options else {})}).type == name


def test_defaults_come_from_the_schema_alone(validated):
    """The typed settings the stages build take every value from the validated config."""
    from robust_train.trainer import TrainConfig

    config = validated(minimal_config())
    schema = yaml.safe_load(SCHEMA.read_text())
    train_defaults = {k: v.get("default") for k, v in schema["$defs"]["train"]["properties"].items()}
    cfg = TrainConfig.from_settings(config["train"], config["model"], "pgd", 3)
    assert (cfg.epochs, cfg.lr, cfg.batch_size, cfg.patience) == tuple(train_defaults[k] for k in ("epochs", "lr", "batch_size", "patience"))
    perturbation = {k: v["default"] for k, v in schema["$defs"]["perturbation"]["properties"].items()}
    assert cfg.adversarial.epsilon == perturbation["epsilon"] and cfg.adversarial.steps == perturbation["steps"]
    assert cfg.max_length == schema["$defs"]["model"]["properties"]["max_length"]["default"]


def test_an_embedding_swap_encoder_is_a_checked_model_reference(validated):
    """embedding_swap loads a model: a missing folder is a config error before any job runs."""
    from experiments.environment import model_problem, model_references

    cfg = minimal_config()
    cfg["attack"] = {"recipes": {"emb": {"type": "embedding_swap", "embedding_model": "./no/such/encoder"}}}
    refs = dict(model_references(validated(cfg)))
    assert refs["attack.recipes.emb.embedding_model"] == "./no/such/encoder"
    problem = model_problem("attack.recipes.emb.embedding_model", refs["attack.recipes.emb.embedding_model"])
    assert problem.startswith("`attack.recipes.emb.embedding_model`: the model folder ./no/such/encoder does not exist")


def test_distillation_names_what_it_cannot_find(validated):
    from conftest import repo_config

    cfg = repo_config("tiny_classification")
    cfg["train"].update(methods=["none", "small", "tiny_student+spell", "nonsense"], trainsets=["clean"])
    cfg["distil"] = {"teachers": {"t": {"variants": ["clean/pgd", "clean/small"]}, "both": {"variants": ["clean/none"],
                                                                                             "existing": "x"}},
                     "students": {"small": {"teacher": "t"}, "tiny_student": {"teacher": "nobody"},
                                  "fgm": {"teacher": "t"}}}
    with pytest.raises(ConfigError) as err:
        validated(cfg)
    msg = str(err.value)
    assert "`train.methods`: 'nonsense': 'nonsense' is neither a training method nor a student" in msg
    assert "'tiny_student+spell' names the defence 'spell', which is not in `defences`" in msg
    assert "`distil.teachers.t.variants`: 'clean/pgd' is not a variant this experiment trains" in msg
    assert "`distil.teachers.t.variants`: 'clean/small' is itself a student" in msg
    assert "`distil.teachers.both`: give either `variants`" in msg
    assert "`distil.students.tiny_student.teacher`: 'nobody' is not in `distil.teachers`" in msg
    assert "`distil.students.fgm`: the name 'fgm' is already a training method" in msg


def test_a_cut_student_cannot_be_a_lora_student(validated):
    from conftest import repo_config

    cfg = repo_config("tiny_classification")
    cfg["model"]["lora"] = {"r": 4}
    cfg["train"].update(methods=["none", "small"], trainsets=["clean"])
    cfg["distil"] = {"teachers": {"t": {"variants": ["clean/none"]}}, "students": {"small": {"teacher": "t", "layers": 1}}}
    with pytest.raises(ConfigError, match=r"`distil.students.small.layers` with `model.lora`"):
        validated(cfg)
    del cfg["distil"]["students"]["small"]["layers"]
    assert validated(cfg)["distil"]["students"]["small"]["layers"] is None


def test_a_student_trains_only_on_its_own_trainsets(validated):
    from conftest import repo_config

    from robustflow.variants import trained_variants

    cfg = repo_config("tiny_classification")
    cfg["augment"]["augmenters"] = {"typos": {"type": "keyboard"}}
    cfg["train"].update(methods=["none", "small", "small+spelling", "big"], trainsets=["clean", "augmented"])
    cfg["defences"] = {"spelling": {"spelling": {}}}
    cfg["distil"] = {"teachers": {"t": {"variants": ["augmented/none"]}},
                     "students": {"small": {"teacher": "t", "trainsets": ["clean"]}, "big": {"teacher": "t"}}}
    variants = trained_variants(validated(cfg))
    assert ("clean/small" in {f"{t}/{m}" for t, m in variants}) and ("clean/small+spelling" in {f"{t}/{m}" for t, m in variants})
    assert not [m for t, m in variants if t == "augmented" and m.startswith("small")]  # only where it names
    assert ("augmented", "big") in variants and ("clean", "big") in variants  # null: every training set
    cfg["distil"]["students"]["small"]["trainsets"] = ["adversarial"]
    with pytest.raises(ConfigError, match=r"`distil.students.small.trainsets`: 'adversarial' is not in `train.trainsets`"):
        validated(cfg)
