"""`distil`: teachers that exist in this experiment, students that name a teacher, and training
methods that are built in or a student."""

from __future__ import annotations

from robustflow.variants import BUILT_IN_METHODS as BUILT_IN
from robustflow.variants import SEARCH, split_method, trained_variants


def method_problems(config: dict) -> list[str]:
    """Each `train.methods` entry is a built-in method or a student of `distil.students` (each
    optionally `+<defence>`)."""
    students = config["distil"]["students"]
    problems = []
    for method in config["train"]["methods"]:
        base = split_method(method)[0]
        if base not in BUILT_IN and base not in students:
            known = ", ".join(dict.fromkeys([*BUILT_IN, *sorted(students)]))
            problems.append(f"`train.methods`: {method!r}: {base!r} is neither a training method nor a student of "
                            f"`distil.students` (known: {known}). Fix: correct the name, or declare "
                            f"`distil.students.{base}: {{teacher: <a distil.teachers name>}}`")
    return problems


def teacher_problems(name: str, teacher: dict, config: dict) -> list[str]:
    where = f"distil.teachers.{name}"
    students = config["distil"]["students"]
    has_variants, has_existing = bool(teacher.get("variants")), "existing" in teacher
    if has_variants == has_existing:
        return [f"`{where}`: give either `variants` (trained variants, e.g. [clean/none+spelling]) or `existing` "
                "(an `existing_models` name), not both and not neither"]
    if has_existing:
        if teacher["existing"] not in config["existing_models"]:
            return [f"`{where}.existing`: {teacher['existing']!r} is not in `existing_models` (configured: "
                    f"{', '.join(sorted(config['existing_models'])) or 'none'}). Fix: add it there or correct the name"]
        return []
    trained = {f"{t}/{m}" for t, m in trained_variants(config)}
    problems = []
    for variant in teacher["variants"]:
        trainset, _, method = variant.partition("/")
        if split_method(method)[0] in students:
            problems.append(f"`{where}.variants`: {variant!r} is itself a student; a teacher is a variant trained on "
                            "gold labels (or an existing model). Fix: name the student's own teacher's variants")
        elif method == SEARCH or variant not in trained:
            problems.append(f"`{where}.variants`: {variant!r} is not a variant this experiment trains (train.trainsets x "
                            f"train.methods: {', '.join(sorted(trained)) or 'none'}). Fix: add its method and training "
                            "set there, or correct the name")
    return problems


def distil_problems(config: dict) -> list[str]:
    distil = config["distil"]
    teachers, students = distil["teachers"], distil["students"]
    problems = method_problems(config)
    for name, teacher in teachers.items():
        problems += teacher_problems(name, teacher, config)
    clashes = set(BUILT_IN) | set(config["defences"]) | {SEARCH}
    for name, student in students.items():
        where = f"distil.students.{name}"
        if name in clashes:
            problems.append(f"`{where}`: the name {name!r} is already a training method or a defence. Fix: rename the student")
        if student.get("layers") and (config["model"].get("lora") or {}).get("r"):
            problems.append(f"`{where}.layers` with `model.lora`: the saved adapter would belong to the cut encoder, "
                            "which exists nowhere but in this student. Fix: drop `layers` (a LoRA student of the "
                            "whole encoder) or `model.lora` (a smaller student trained in full)")
        for trainset in student.get("trainsets") or []:
            if trainset not in config["train"]["trainsets"]:
                problems.append(f"`{where}.trainsets`: {trainset!r} is not in `train.trainsets` (which builds it: "
                                f"{', '.join(config['train']['trainsets'])}). Fix: add it there or correct the name")
        problems += method_settings_problems(where, student, config)
        if student["teacher"] not in teachers:
            problems.append(f"`{where}.teacher`: {student['teacher']!r} is not in `distil.teachers` (configured: "
                            f"{', '.join(sorted(teachers)) or 'none'}). Fix: declare it there or correct the name")
    return problems


def method_settings_problems(where: str, student: dict, config: dict) -> list[str]:
    """A student's `method_settings` are keys of its method's `train.<method>` with values that schema allows."""
    overrides = student.get("method_settings")
    if not overrides:
        return []
    method = student["method"]
    if method == "none" or not isinstance(config["train"].get(method), dict):
        return [f"`{where}.method_settings`: the student trains with method {method!r}, which has no settings. "
                "Fix: drop `method_settings`, or set the student's `method` (e.g. ascc)"]
    import jsonschema

    from robustflow.config import SCHEMA
    from robustflow.config.schema import explain, load_schema

    defs = load_schema(SCHEMA)["$defs"]
    validator = jsonschema.Draft202012Validator({"$ref": f"#/$defs/train/properties/{method}", "$defs": defs})
    merged = {**config["train"][method], **overrides}
    return [f"`{where}.method_settings` (over `train.{method}`): {explain(e).removeprefix('`<top level>`: ')}"
            for e in validator.iter_errors(merged)]
