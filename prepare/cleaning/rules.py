"""The cleaning rules. Each takes the splits, its config section, the ledger and the task, and
returns the splits.

Two drivers carry the bookkeeping: `repair_text` for per-text repairs (NFKC, HTML, controls,
whitespace) and `filter_rows` for rules that drop or fail rows; the rules only say what is wrong.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Callable, Iterable

from prepare.cleaning import text as T
from prepare.cleaning.ledger import Ledger
from robustflow import iob
from robustflow.tasks import Task
from robustflow.textkey import collapse_whitespace

Splits = dict[str, list[dict]]
Check = Callable[[dict], "str | None"]  # a row -> what is wrong with it, or None


def repair_text(rule: str, splits: Splits, action: str, ledger: Ledger, task: Task, fn: Callable[[str], str],
                what: str, fix: str, events: Callable[[str], dict[str, int]] | None = None) -> Splits:
    """Apply ``fn`` to every text/token (repair), or drop/fail the rows it would change. ``events``
    counts what a repair did inside a text (entities unescaped, tags removed), summed per split."""
    if action == "off":
        return splits
    out: Splits = {}
    for split, rows in splits.items():
        kept = []
        for row in rows:
            changed = task.map_texts(row, fn)
            if changed == row:
                kept.append(row)
            elif action == "repair":
                ledger.repaired(rule, split, row, changed, what)
                for text in task.texts(row) if events else ():
                    for event, n in events(text).items():
                        ledger.event(rule, split, event, n)
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

def unicode(splits: Splits, cfg: dict, ledger: Ledger, task: Task) -> Splits:
    form = cfg["form"]
    return repair_text("unicode", splits, cfg["action"], ledger, task, lambda t: T.normalize_unicode(t, form),
                       f"characters not in Unicode {form}", f"normalise the file to {form}")


def html(splits: Splits, cfg: dict, ledger: Ledger, task: Task) -> Splits:
    # A block tag is a word break in a text, but must not put a space inside a token.
    separator = "" if task.texts_are_tokens else " "
    return repair_text("html", splits, cfg["action"], ledger, task, lambda t: T.strip_html(t, separator),
                       "HTML tags or entities", "export plain text without markup", events=T.html_counts)


def token_prefix(splits: Splits, cfg: dict, ledger: Ledger, task: Task) -> Splits:
    """NER tokens that carry a language prefix (`en:Paris`, as some multilingual corpora ship them)
    lose it: the configured prefix, or with prefix null the one most tokens share."""
    if cfg["action"] == "off":
        return splits
    prefix = cfg["prefix"] or (shared_token_prefix(splits.get("train", [])) or {}).get("prefix")
    if not prefix:
        return splits
    return repair_text("token_prefix", splits, cfg["action"], ledger, task,
                       lambda t: t[len(prefix):] if t.startswith(prefix) and len(t) > len(prefix) else t,
                       f"tokens prefixed {prefix!r}", f"remove the {prefix!r} prefix from the tokens")


_PREFIX = re.compile(r"^([A-Za-z]{2,3}(?:[-_][A-Za-z]{2,4})?:)(?=.)")


def shared_token_prefix(rows: list[dict], share: float = 0.5) -> dict | None:
    """The language-like prefix (`en:`, `pt-br:`) most tokens of these NER rows start with, when
    more than ``share`` of them do: {prefix, tokens, share}."""
    counts: Counter = Counter()
    total = 0
    for row in rows:
        for token in row.get("tokens", []):
            total += 1
            m = _PREFIX.match(token)
            if m:
                counts[m.group(1)] += 1
    if not counts or not total:
        return None
    prefix, n = counts.most_common(1)[0]
    return {"prefix": prefix, "tokens": n, "share": round(n / total, 4)} if n / total > share else None


def control_chars(splits: Splits, cfg: dict, ledger: Ledger, task: Task) -> Splits:
    return repair_text("control_chars", splits, cfg["action"], ledger, task, T.remove_control,
                       "control or zero-width characters", "remove them from the file")


def whitespace(splits: Splits, cfg: dict, ledger: Ledger, task: Task) -> Splits:
    return repair_text("whitespace", splits, cfg["action"], ledger, task, collapse_whitespace,
                       "irregular whitespace", "trim the text")


# ---- row filters --------------------------------------------------------------------------

def _drop_empty_tokens(splits: Splits, action: str, ledger: Ledger, task: Task) -> Splits:
    """NER: tokens the repairs emptied go, with their tags (IOB2 is re-checked by invalid_iob)."""
    out: Splits = {}
    for split, rows in splits.items():
        kept = []
        for row in rows:
            fixed, removed = task.without_empty_tokens(row)
            if not removed:
                kept.append(row)
                continue
            detail = f"{removed} empty token(s)"
            if action == "fail":
                raise ledger.failure("empty", split, row, detail, "remove empty tokens from the file", "drop or off")
            ledger.repaired("empty", split, row, fixed, detail + " removed with their tags")
            kept.append(fixed)
        out[split] = kept
    return out


def empty(splits: Splits, cfg: dict, ledger: Ledger, task: Task) -> Splits:
    action = cfg["action"]
    if action != "off":
        splits = _drop_empty_tokens(splits, action, ledger, task)
    return filter_rows("empty", splits, action, ledger, lambda split: task.empty_problem, "fill in or remove the row")


def tag_count_mismatch(splits: Splits, cfg: dict, ledger: Ledger, task: Task) -> Splits:
    def check(row: dict) -> str | None:
        n, m = len(row["tokens"]), len(row["tags"])
        return None if n == m else f"{n} tokens but {m} tags"

    return filter_rows("tag_count_mismatch", splits, cfg["action"], ledger, lambda split: check,
                       "give every token exactly one tag")


def invalid_iob(splits: Splits, cfg: dict, ledger: Ledger, task: Task) -> Splits:
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


def allowed_labels(splits: Splits, labels: list | None, task: Task) -> set[str]:
    """The configured labels (entity types), or those the train split uses."""
    if labels is not None:
        return set(labels)
    return task.labels_of(splits.get("train", []))


def unknown_labels(splits: Splits, cfg: dict, ledger: Ledger, task: Task, labels: list | None) -> Splits:
    action, allowed = cfg["action"], allowed_labels(splits, labels, task)
    known = ", ".join(sorted(allowed))
    source = "`labels`" if labels is not None else "the train split"

    def problem(row: dict) -> str | None:
        return task.unknown_label_problem(row, allowed, known, source)

    fix = "correct the label, or add it to `labels` of this dataset"
    if action != "repair":
        return filter_rows("unknown_labels", splits, action, ledger, lambda split: problem, fix)
    out: Splits = {}
    for split, rows in splits.items():  # repair (NER only, enforced by config checks): unknown entities -> O
        out[split] = []
        for row in rows:
            detail = problem(row)
            if detail is not None:
                fixed = task.drop_unknown_labels(row, allowed)
                ledger.repaired("unknown_labels", split, row, fixed, detail + " -> O")
                row = fixed
            out[split].append(row)
    return out


def length(splits: Splits, cfg: dict, ledger: Ledger, task: Task) -> Splits:
    bounds = {k: cfg[k] for k in ("min_chars", "max_chars", "min_tokens", "max_tokens")}

    def problem(row: dict) -> str | None:
        chars = len(" ".join(task.texts(row)))
        tokens = task.token_count(row)
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


def exact_duplicates(splits: Splits, cfg: dict, ledger: Ledger, task: Task) -> Splits:
    return filter_rows("exact_duplicates", splits, cfg["action"], ledger, _first_seen(task.exact_key, "exact duplicate"),
                       "remove the repeated row", cfg["splits"])


def near_duplicates(splits: Splits, cfg: dict, ledger: Ledger, task: Task) -> Splits:
    return filter_rows("near_duplicates", splits, cfg["action"], ledger,
                       _first_seen(lambda r: (task.content_key(r), task.label_key(r)), "near duplicate (case/punctuation/spacing)"),
                       "remove the repeated row", cfg["splits"])


def conflicting_labels(splits: Splits, cfg: dict, ledger: Ledger, task: Task) -> Splits:
    def make(split: str) -> Check:
        labels = defaultdict(set)
        for row in splits[split]:
            labels[task.content_key(row)].add(task.label_key(row))

        def check(row: dict) -> str | None:
            found = labels[task.content_key(row)]
            return task.conflict_problem(found) if len(found) > 1 else None
        return check

    return filter_rows("conflicting_labels", splits, cfg["action"], ledger, make,
                       "decide the right label and keep one row", cfg["splits"])


def leakage(splits: Splits, cfg: dict, ledger: Ledger, task: Task) -> Splits:
    """Items of a later split (test before dev before train) are removed from the earlier ones."""
    owners: dict[str, dict[str, str]] = {}
    for split in ("test", "dev"):
        owners[split] = {task.content_key(r): r["id"] for r in splits.get(split, [])}

    def make(split: str) -> Check:
        later = ["test", "dev"] if split == "train" else ["test"]

        def check(row: dict) -> str | None:
            k = task.content_key(row)
            for other in later:
                if k in owners[other]:
                    return f"also in {other} ({owners[other][k]})"
            return None
        return check

    return filter_rows("leakage", splits, cfg["action"], ledger, make,
                       "remove the item from one of the splits", ["train", "dev"])
