"""The cleaning rules. Each takes the splits and its config section and returns the splits.

Two drivers carry the bookkeeping: `repair_text` for per-text repairs (NFKC, HTML, controls,
whitespace) and `filter_rows` for rules that drop or fail rows; the rules only say what is wrong.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Iterable

from augment.cleaning import text as T
from augment.cleaning.ledger import Ledger
from augment.io import iob

Splits = dict[str, list[dict]]
Check = Callable[[dict], "str | None"]  # a row -> what is wrong with it, or None


def _map_texts(row: dict, fn: Callable[[str], str]) -> dict:
    if "tokens" in row:
        return {**row, "tokens": [fn(t) for t in row["tokens"]]}
    out = {**row, "text": fn(row["text"])}
    if row.get("text_pair") is not None:
        out["text_pair"] = fn(row["text_pair"])
    return out


def _texts(row: dict) -> list[str]:
    if "tokens" in row:
        return row["tokens"]
    return [row["text"]] + ([row["text_pair"]] if row.get("text_pair") is not None else [])


def repair_text(rule: str, splits: Splits, action: str, ledger: Ledger, fn: Callable[[str], str],
                what: str, fix: str) -> Splits:
    """Apply ``fn`` to every text/token (repair), or drop/fail the rows it would change."""
    if action == "off":
        return splits
    out: Splits = {}
    for split, rows in splits.items():
        kept = []
        for row in rows:
            changed = _map_texts(row, fn)
            if changed == row:
                kept.append(row)
            elif action == "repair":
                ledger.repaired(rule, split, row, changed, what)
                kept.append(changed)
            elif action == "fail":
                raise ledger.failure(rule, split, row, f"text has {what}", fix, "repair, drop or off")
            else:
                ledger.dropped(rule, split, row, f"text has {what}")
        out[split] = kept
    return out


def filter_rows(rule: str, splits: Splits, action: str, ledger: Ledger, make_check: Callable[[str], Check],
                fix: str, only: Iterable[str] | None = None) -> Splits:
    """Drop (or fail on) the rows a check flags; ``make_check(split)`` gives a fresh check per split."""
    if action == "off":
        return splits
    only = set(splits) if only is None else set(only)
    out: Splits = {}
    for split, rows in splits.items():
        if split not in only:
            out[split] = rows
            continue
        check, kept = make_check(split), []
        for row in rows:
            problem = check(row)
            if problem is None:
                kept.append(row)
            elif action == "fail":
                raise ledger.failure(rule, split, row, problem, fix, "drop or off")
            else:
                ledger.dropped(rule, split, row, problem)
        out[split] = kept
    return out


# ---- text repairs -------------------------------------------------------------------------

def unicode(splits: Splits, cfg: dict, ledger: Ledger) -> Splits:
    form = cfg["form"]
    return repair_text("unicode", splits, cfg["action"], ledger, lambda t: T.normalize_unicode(t, form),
                       f"characters not in Unicode {form}", f"normalise the file to {form}")


def html(splits: Splits, cfg: dict, ledger: Ledger) -> Splits:
    return repair_text("html", splits, cfg["action"], ledger, T.strip_html, "HTML tags or entities",
                       "export plain text without markup")


def control_chars(splits: Splits, cfg: dict, ledger: Ledger) -> Splits:
    return repair_text("control_chars", splits, cfg["action"], ledger, T.remove_control,
                       "control or zero-width characters", "remove them from the file")


def whitespace(splits: Splits, cfg: dict, ledger: Ledger) -> Splits:
    return repair_text("whitespace", splits, cfg["action"], ledger, T.collapse_whitespace,
                       "irregular whitespace", "trim the text")


# ---- row filters --------------------------------------------------------------------------

def _drop_empty_tokens(splits: Splits, action: str, ledger: Ledger) -> Splits:
    """NER: tokens the repairs emptied go, with their tags (IOB2 is re-checked by invalid_iob)."""
    out: Splits = {}
    for split, rows in splits.items():
        kept = []
        for row in rows:
            keep = [i for i, tok in enumerate(row["tokens"]) if tok]
            if len(keep) == len(row["tokens"]):
                kept.append(row)
                continue
            detail = f"{len(row['tokens']) - len(keep)} empty token(s)"
            if action == "fail":
                raise ledger.failure("empty", split, row, detail, "remove empty tokens from the file", "drop or off")
            fixed = {**row, "tokens": [row["tokens"][i] for i in keep], "tags": [row["tags"][i] for i in keep]}
            ledger.repaired("empty", split, row, fixed, detail + " removed with their tags")
            kept.append(fixed)
        out[split] = kept
    return out


def empty(splits: Splits, cfg: dict, ledger: Ledger) -> Splits:
    action = cfg["action"]
    if action != "off" and any("tokens" in r for rows in splits.values() for r in rows[:1]):
        splits = _drop_empty_tokens(splits, action, ledger)

    def check(row: dict) -> str | None:
        if "tokens" in row:
            return None if row["tokens"] else "sentence has no tokens"
        if not row["text"]:
            return "text is empty"
        if row.get("text_pair") is not None and not row["text_pair"]:
            return "text_pair is empty"
        return None

    return filter_rows("empty", splits, action, ledger, lambda split: check, "fill in or remove the row")


def tag_count_mismatch(splits: Splits, cfg: dict, ledger: Ledger) -> Splits:
    def check(row: dict) -> str | None:
        n, m = len(row["tokens"]), len(row["tags"])
        return None if n == m else f"{n} tokens but {m} tags"

    return filter_rows("tag_count_mismatch", splits, cfg["action"], ledger, lambda split: check,
                       "give every token exactly one tag")


def invalid_iob(splits: Splits, cfg: dict, ledger: Ledger) -> Splits:
    action = cfg["action"]

    def problem(row: dict) -> str | None:
        bad = iob.invalid_positions(row["tags"])
        if not bad:
            return None
        i = bad[0]
        prev = row["tags"][i - 1] if i else "(sentence start)"
        return f"invalid IOB2 at token {i} ({row['tokens'][i]!r}): {row['tags'][i]} after {prev}" + (
            f" (+{len(bad) - 1} more)" if len(bad) > 1 else "")

    if action != "repair":
        return filter_rows("invalid_iob", splits, action, ledger, lambda split: problem,
                           "start every entity with B-")
    out: Splits = {}
    for split, rows in splits.items():
        out[split] = []
        for row in rows:
            detail = problem(row)
            if detail is not None:
                fixed = {**row, "tags": iob.repair(row["tags"])}
                ledger.repaired("invalid_iob", split, row, fixed, detail)
                row = fixed
            out[split].append(row)
    return out


def allowed_labels(splits: Splits, labels: list | None) -> set[str]:
    """The configured labels (entity types), or those the train split uses."""
    if labels is not None:
        return set(labels)
    train = splits.get("train", [])
    if train and "tags" in train[0]:
        return {iob.entity_type(t) for r in train for t in r["tags"]} - {None}
    return {r["label"] for r in train} - {""}


def unknown_labels(splits: Splits, cfg: dict, ledger: Ledger, labels: list | None) -> Splits:
    action, allowed = cfg["action"], allowed_labels(splits, labels)
    known = ", ".join(sorted(allowed))
    source = "`labels`" if labels is not None else "the train split"

    def problem(row: dict) -> str | None:
        if "tags" in row:
            unknown = sorted({iob.entity_type(t) for t in row["tags"]} - allowed - {None})
            return f"entity type(s) {unknown} not among {known} ({source})" if unknown else None
        if row["label"] == "":
            return "label is missing"
        return None if row["label"] in allowed else f"label {row['label']!r} not among {known} ({source})"

    fix = "correct the label, or add it to `labels` of this dataset"
    if action != "repair":
        return filter_rows("unknown_labels", splits, action, ledger, lambda split: problem, fix)
    out: Splits = {}
    for split, rows in splits.items():  # repair (NER only, enforced by config checks): unknown entities -> O
        out[split] = []
        for row in rows:
            detail = problem(row)
            if detail is not None:
                fixed = {**row, "tags": [t if iob.entity_type(t) in allowed or t == "O" else "O" for t in row["tags"]]}
                ledger.repaired("unknown_labels", split, row, fixed, detail + " -> O")
                row = fixed
            out[split].append(row)
    return out


def length(splits: Splits, cfg: dict, ledger: Ledger) -> Splits:
    bounds = {k: cfg[k] for k in ("min_chars", "max_chars", "min_tokens", "max_tokens")}

    def problem(row: dict) -> str | None:
        texts = _texts(row)
        chars = len(" ".join(texts))
        tokens = len(row["tokens"]) if "tokens" in row else sum(len(t.split()) for t in texts)
        for name, value in (("chars", chars), ("tokens", tokens)):
            low, high = bounds[f"min_{name}"], bounds[f"max_{name}"]
            if low is not None and value < low:
                return f"{value} {name}, below min_{name}={low}"
            if high is not None and value > high:
                return f"{value} {name}, above max_{name}={high}"
        return None

    return filter_rows("length", splits, cfg["action"], ledger, lambda split: problem,
                       "shorten or remove the row, or widen the bounds in `cleaning.length`")


# ---- duplicates and leakage ----------------------------------------------------------------

def content_key(row: dict) -> str:
    """What a row says, ignoring its label: the normalised text (and pair) or token sequence."""
    if "tokens" in row:
        return T.near_key(" ".join(row["tokens"]))
    return T.near_key(row["text"]) + ("\x1f" + T.near_key(row["text_pair"]) if row.get("text_pair") is not None else "")


def _label(row: dict) -> object:
    return tuple(row["tags"]) if "tags" in row else row["label"]


def _first_seen(key: Callable[[dict], object], what: str) -> Callable[[str], Check]:
    def make(split: str) -> Check:
        seen: dict[object, str] = {}

        def check(row: dict) -> str | None:
            k = key(row)
            if k in seen:
                return f"{what} of {seen[k]}"
            seen[k] = row["id"]
            return None
        return check
    return make


def exact_duplicates(splits: Splits, cfg: dict, ledger: Ledger) -> Splits:
    def key(row):
        return (tuple(row["tokens"]), tuple(row["tags"])) if "tokens" in row else (row["text"], row.get("text_pair"), row["label"])

    return filter_rows("exact_duplicates", splits, cfg["action"], ledger, _first_seen(key, "exact duplicate"),
                       "remove the repeated row", cfg["splits"])


def near_duplicates(splits: Splits, cfg: dict, ledger: Ledger) -> Splits:
    return filter_rows("near_duplicates", splits, cfg["action"], ledger,
                       _first_seen(lambda r: (content_key(r), _label(r)), "near duplicate (case/punctuation/spacing)"),
                       "remove the repeated row", cfg["splits"])


def conflicting_labels(splits: Splits, cfg: dict, ledger: Ledger) -> Splits:
    def make(split: str) -> Check:
        labels = defaultdict(set)
        for row in splits[split]:
            labels[content_key(row)].add(_label(row))

        def check(row: dict) -> str | None:
            found = labels[content_key(row)]
            if len(found) < 2:
                return None
            if "tags" in row:
                return f"same tokens appear with {len(found)} different tag sequences"
            return f"same text appears with labels {sorted(found)}"
        return check

    return filter_rows("conflicting_labels", splits, cfg["action"], ledger, make,
                       "decide the right label and keep one row", cfg["splits"])


def leakage(splits: Splits, cfg: dict, ledger: Ledger) -> Splits:
    """Items of a later split (test before dev before train) are removed from the earlier ones."""
    owners: dict[str, dict[str, str]] = {}
    for split in ("test", "dev"):
        owners[split] = {content_key(r): r["id"] for r in splits.get(split, [])}

    def make(split: str) -> Check:
        later = ["test", "dev"] if split == "train" else ["test"]

        def check(row: dict) -> str | None:
            k = content_key(row)
            for other in later:
                if k in owners[other]:
                    return f"also in {other} ({owners[other][k]})"
            return None
        return check

    return filter_rows("leakage", splits, cfg["action"], ledger, make,
                       "remove the item from one of the splits", ["train", "dev"])
