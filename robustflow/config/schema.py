"""The JSON schema of the config: validation that fills its defaults, and errors explained.

Every error names the key path, the bad value and what is allowed, and all of them are reported
at once, so a user fixes the config in one pass instead of one error per run.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import yaml

from robustflow.errors import ConfigError


def _with_defaults(validator_class):
    """A validator that inserts each missing property's `default` before descending into it."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def properties(validator, props, instance, schema) -> Iterator[jsonschema.ValidationError]:
        if isinstance(instance, dict):
            for name, subschema in props.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, props, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": properties})


_Validator = _with_defaults(jsonschema.Draft202012Validator)


# libyaml's loader when PyYAML was built with it: the 49 kB schema is read every time Snakemake
# builds a DAG (0.56 s with the pure-Python loader, a tenth of that with libyaml).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_schema(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=_SafeLoader)  # noqa: S506 (a safe loader)


def key_path(error: jsonschema.ValidationError) -> str:
    parts = [str(p) if not isinstance(p, int) else f"[{p}]" for p in error.absolute_path]
    return ".".join(parts).replace(".[", "[") or "<top level>"


def _allowed_keys(schema: dict) -> list[str]:
    return sorted(schema.get("properties", {}))


def explain(error: jsonschema.ValidationError) -> str:
    """One line a user can act on: where, what was found, what is allowed."""
    where = f"`{key_path(error)}`"
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "additionalProperties":
        allowed = _allowed_keys(error.schema)
        extra = sorted(set(value) - set(allowed)) if isinstance(value, dict) else []
        hints = []
        for key in extra:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hints.append(f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        return f"{where}: {'; '.join(hints) or 'unknown key'}; allowed keys: {', '.join(allowed)}"
    if kind == "enum":
        return f"{where}: {value!r} is not allowed; allowed: {', '.join(map(repr, expected))}"
    if kind == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        hint = ""
        if isinstance(value, str) and {"number", "integer"} & set(expected if isinstance(expected, list) else [expected]):
            try:
                float(value)
                hint = (f"; YAML reads {value} as text (an exponent needs a dot in YAML 1.1): write "
                        f"{_yaml_number(value)}" if _yaml_number(value) != value else
                        "; given through `snakemake --config key={...}`? Snakemake reads values nested in braces as "
                        "text: set them in a --configfile")
            except ValueError:
                pass
        return f"{where}: expected {wanted}, got {value!r} ({type(value).__name__}){hint}"
    if kind == "required":
        return f"{where}: {error.message.split(' is a required')[0]} is required but missing"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{where}: {value!r} violates {kind} {expected!r}"
    if kind == "oneOf" and isinstance(error.schema.get("oneOf"), list):
        choices = [b["required"][0] for b in error.schema["oneOf"] if "required" in b]
        if choices:
            present = [c for c in choices if isinstance(value, dict) and c in value]
            return f"{where}: set exactly one of {', '.join(choices)} (found: {', '.join(present) or 'none'})"
        return f"{where}: {value!r} matches none of the allowed forms ({error.schema.get('description', '')})"
    if "propertyNames" in error.relative_schema_path:
        return (f"{where}: name {value!r} is not allowed: start with a letter or digit, then letters, digits, "
                "'_', '.' or '-' (the name becomes a folder and a wildcard value)")
    return f"{where}: {error.message}"


def _yaml_number(text: str) -> str:
    """'1e-4' as YAML reads a number: '1.0e-4' (or 0.0001)."""
    mantissa, _, exponent = text.lower().partition("e")
    if exponent and "." not in mantissa:
        return f"{mantissa}.0e{exponent} (or {float(text):g})"
    return f"{float(text):g}"


def deep_merge(base: dict, override: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def unquoted_off(node: Any) -> None:
    """YAML 1.1 reads an unquoted `off` as False; `action: off` means the rule is off."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "action" and value is False:
                node[key] = "off"
            else:
                unquoted_off(value)
    elif isinstance(node, list):
        for item in node:
            unquoted_off(item)


def check(instance: Any, schema: dict, origin: str) -> None:
    """Validate ``instance`` in place (filling defaults); every error at once in one ConfigError."""
    errors = sorted(_Validator(schema).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = "\n".join(f"  - {explain(e)}" for e in errors)
        raise ConfigError(f"invalid config ({origin}):\n{lines}\nSee the key descriptions in workflow/schemas/config.schema.yaml.")
