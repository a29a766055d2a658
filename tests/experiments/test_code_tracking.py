"""Snakemake reruns exactly the jobs whose code changed: each rule's code is the import closure of
its script (experiments/codedeps.py), never a hand-written list."""

from __future__ import annotations

import re
import shutil
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import REPO, absolutise, repo_config, run_snakemake
from experiments.codedeps import code_closure, code_digest

CODE = ("Snakefile", "rules", "workflow", "profiles", "config.yaml",
        "robustflow", "prepare", "resources", "models", "augment", "robust_train", "evaluation", "experiments", "report")
SCRIPTS = sorted(p.stem for p in (REPO / "workflow" / "scripts").glob("*.py"))


# ---- the closure, on a package written for the test --------------------------------------------

def write(root, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


@pytest.fixture
def project(tmp_path):
    write(tmp_path, {
        "script.py": "import sys\nfrom pkg.a import f\n",
        "pkg/__init__.py": "",
        "pkg/a.py": "from . import b\nimport json\n\ndef f():\n    from pkg.sub import lazy\n    return lazy\n",
        "pkg/b.py": "from .sub.deep import X\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/lazy.py": "import importlib\nmod = importlib.import_module('pkg.dynamic')\n",
        "pkg/sub/deep.py": "X = 1\n",
        "pkg/dynamic.py": "",
        "pkg/unused.py": "import pkg.a\n",
        "other/__init__.py": "",
    })
    return tmp_path


def test_closure_follows_every_kind_of_import(project):
    got = {str(p.relative_to(project)) for p in code_closure(project / "script.py", project)}
    assert got == {"script.py", "pkg/__init__.py", "pkg/a.py", "pkg/b.py", "pkg/sub/__init__.py", "pkg/sub/lazy.py",
                   "pkg/sub/deep.py", "pkg/dynamic.py"}  # not pkg/unused.py, other/, json, sys or importlib


def test_digest_changes_with_the_closure_only(project):
    before = code_digest.__wrapped__(project / "script.py", project)
    (project / "pkg/unused.py").write_text("# edited\n")
    (project / "other/__init__.py").write_text("# edited\n")
    assert code_digest.__wrapped__(project / "script.py", project) == before
    (project / "pkg/sub/deep.py").write_text("X = 2\n")
    assert code_digest.__wrapped__(project / "script.py", project) != before


def test_every_rule_that_runs_code_declares_its_code_version():
    rules = "\n".join(p.read_text() for p in (REPO / "rules").glob("*.smk"))
    scripts = re.findall(r'script:\n\s+"\.\./workflow/scripts/(\w+)\.py"', rules)
    assert sorted(scripts) == SCRIPTS
    for script in scripts:
        assert f'code=code_version("{script}")' in rules, script
    assert "pkg_sources" not in rules


def test_the_report_closure_holds_no_training_code_and_training_none_of_the_report():
    closure = {s: {str(p.relative_to(REPO)) for p in code_closure(REPO / f"workflow/scripts/{s}.py", REPO)}
               for s in SCRIPTS}
    report_stage = ("report", "gates", "best_model", "model_cards", "export_model")  # best_model promotes the report's choice
    assert not any(f.startswith(("robust_train/", "augment/", "evaluation/")) for s in report_stage for f in closure[s])
    assert not any(f.startswith("report/") for s in SCRIPTS if s not in report_stage for f in closure[s])
    assert closure["gates"] == {"workflow/scripts/gates.py", "report/__init__.py", "report/gates.py", "robustflow/__init__.py",
                                "robustflow/errors.py", "robustflow/logs.py", "robustflow/atomic.py",
                                "robustflow/variants.py", "robustflow/sweep.py", "robustflow/gate_metrics.py",
                                "robustflow/reference_run.py"}  # no torch to check a threshold
    assert "prepare/builtin.py" in closure["fetch_builtin"]  # fetch only runs for built-in sources: not in the run below
    assert not any(f.startswith("robustflow/config") for s in SCRIPTS for f in closure[s])  # DAG-time code only


# ---- real reruns -----------------------------------------------------------------------------------

# module edited -> the rules whose jobs rerun because of it (not counting jobs downstream of them)
EDITS = {
    "prepare/readers/tabular.py": {"ingest"},
    "prepare/cleaning/rules.py": {"clean"},
    "augment/augmenters/eda.py": {"augment", "perturb_suite"},  # imported inside a function
    "augment/backtranslation/apertium.py": {"augment", "perturb_suite"},
    # the NER attack's candidates, which the online adversarial training set's search uses too
    "augment/augmenters/candidates.py": {"augment", "perturb_suite", "attack_shard", "train"},
    "augment/trainsets/augmented.py": {"merge_augmented"},
    "augment/trainsets/adversarial.py": {"adversarial_trainset"},
    "augment/attacks/recipes.py": {"attack_shard"},
    "augment/attacks/merge_shards.py": {"merge_attack"},
    "augment/attacks/results.py": {"attack_shard", "merge_attack", "evaluate"},
    "robust_train/adversarial.py": {"train"},
    "robust_train/rank.py": {"train"},  # run by torchrun as a module name, imported so that it is tracked
    "robust_train/online_attack.py": {"train"},
    "robust_train/distil.py": {"train"},  # the distillation loss lives in the trainer (no student here: no teach job)
    "robust_train/predict.py": {"train", "evaluate"},
    # an input defence is loaded with every trained model: training, attack and evaluation jobs run it
    "models/defences/spelling.py": {"train", "attack_shard", "evaluate"},
    "evaluation/calibration.py": {"evaluate"},
    "robustflow/stats.py": {"evaluate", "report"},
    "resources/pos_tagger.py": {"attack_shard", "train"},  # word swaps' part-of-speech check (online too)
    "report/html.py": {"report"},
    "report/model_card.py": {"model_cards", "report"},  # the report reads existing models' cards
    "report/gates.py": {"report", "gates"},
    "robustflow/gate_metrics.py": {"report", "gates"},  # (and config validation, which no job runs)
    "robustflow/tasks/ner.py": {"ingest", "clean", "augment", "perturb_suite", "merge_augmented", "adversarial_trainset",
                                "train", "attack_shard", "merge_attack", "evaluate", "report"},
    "robustflow/config/checks.py": set(),  # validates the config when the DAG is built; no job runs it
    "augment/backtranslation/tiny_marian.py": set(),  # a test helper no job imports
}


def code_triggered(summary) -> set[str]:
    """Rules whose outputs Snakemake's summary marks "params changed": their code version changed
    (a dry run's reason line names only the first cause of a job downstream of another)."""
    rules = set()
    for line in summary.stdout.splitlines():
        fields = line.split("\t")
        if len(fields) == 6 and fields[4] == "params changed":
            rules.add(fields[2])
    return rules


def planned(proc) -> set[str]:
    return set(re.findall(r"^(?:local)?rule (\w+):", proc.stdout, re.M)) - {"all"}


@pytest.mark.workflow
def test_editing_a_module_reruns_exactly_the_rules_that_import_it(tmp_path):
    code, work = tmp_path / "code", tmp_path / "work"
    code.mkdir(), work.mkdir()
    for part in CODE:
        if (REPO / part).is_dir():
            shutil.copytree(REPO / part, code / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / part, code / part)
    shutil.rmtree(code / "workflow" / "configs")
    cfg = absolutise(repo_config("tiny_classification"))
    cfg["augment"]["augmenters"] = {"typos": cfg["augment"]["augmenters"]["typos"]}
    cfg["train"].update(methods=["none"], trainsets=["clean", "augmented", "adversarial"], max_train_samples=24)
    cfg["attack"] = {"recipes": {"deepwordbug": {"type": "deepwordbug"}}, "shards": 1,
                     "generate": {"max_examples": 6}, "evaluate": {"max_examples": 4}}
    cfg["evaluate"] = {"suites": {"typos": {"type": "keyboard", "word_p": 0.2}}}
    cfg["gates"] = {"floor": {"metric": "clean", "min": 0.0}}  # a gate that passes: the gates job is in the run
    snakefile = code / "Snakefile"
    run_snakemake(work, cfg, snakefile=snakefile)
    ran = planned(run_snakemake(work, cfg, "-n", "-F", snakefile=snakefile))
    config = work / "config.yaml"  # written by the runs above
    assert ran == {rule for rules in EDITS.values() for rule in rules}, "the run covers every rule but fetch_builtin"

    for module, expected in EDITS.items():
        path = code / module
        original = path.read_bytes()
        path.write_bytes(original + b"\n# edited\n")
        try:  # the two read-only runs side by side (neither locks the folder): half the wait
            with ThreadPoolExecutor(2) as pool:
                summary, dry = pool.map(lambda arg: run_snakemake(work, None, arg, "--configfile", str(config),
                                                                   snakefile=snakefile), ("--summary", "-n"))
        finally:
            path.write_bytes(original)
        if "train" in expected:  # the model cards name the training code's version
            expected = expected | {"model_cards"}
        assert code_triggered(summary) == expected, module
        assert expected <= planned(dry), module
        if module.startswith("report/"):
            assert planned(dry) <= {"report", "gates", "model_cards"}, "editing the report's code reruns only the report's jobs"
        if not expected:
            assert "Nothing to be done" in dry.stdout + dry.stderr, module
    dry = run_snakemake(work, cfg, "-n", "-F", snakefile=snakefile).stdout
    inputs = [line for line in dry.splitlines() if line.strip().startswith("input:")]
    assert inputs and not any(".py" in line for line in inputs), "the job display shows data inputs only"
    assert "Nothing to be done" in run_snakemake(work, cfg, "-n", snakefile=snakefile).stdout
