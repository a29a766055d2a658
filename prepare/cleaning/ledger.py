"""Bookkeeping of the cleaning stage: every repaired or dropped row is counted with its reason."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from robustflow.errors import DataError
from robustflow.tasks import Task


def locate(row: dict, split: str) -> str:
    return f"{row.get('source_file', '?')}, line {row.get('source_line', '?')} (row {row.get('id', '?')}, {split} split)"


@dataclass
class Ledger:
    task: Task
    examples_per_rule: int = 3
    counts: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(int))))
    examples: dict = field(default_factory=lambda: defaultdict(list))
    dropped_rows: list = field(default_factory=list)

    def _example(self, rule: str, entry: dict) -> None:
        if len(self.examples[rule]) < self.examples_per_rule:
            self.examples[rule].append(entry)

    def repaired(self, rule: str, split: str, before: dict, after: dict, detail: str = "") -> None:
        self.counts[rule][split]["repaired"] += 1
        self._example(rule, {"split": split, "id": before["id"], "outcome": "repaired", "before": self.task.show(before),
                             "after": self.task.show(after), "detail": detail})

    def dropped(self, rule: str, split: str, row: dict, detail: str) -> None:
        self.counts[rule][split]["dropped"] += 1
        self.dropped_rows.append({**row, "split": split, "rule": rule, "detail": detail})
        self._example(rule, {"split": split, "id": row["id"], "outcome": "dropped", "before": self.task.show(row), "detail": detail})

    def event(self, rule: str, split: str, name: str, n: int = 1) -> None:
        """Something a repair did inside a row's text (`entities_unescaped`), counted beside the rows."""
        if n:
            self.counts[rule][split][name] += n

    @staticmethod
    def failure(rule: str, split: str, row: dict, detail: str, fix: str, other_actions: str) -> DataError:
        return DataError(
            f"{locate(row, split)}: {detail} [cleaning rule {rule!r}, action fail]. Fix: {fix}; "
            f"or set `cleaning.{rule}.action` to {other_actions} to handle such rows automatically."
        )

    def count(self, rule: str, split: str, outcome: str) -> int:
        """Rows of ``split`` that ``rule`` dropped or repaired (reading does not create entries)."""
        return self.counts.get(rule, {}).get(split, {}).get(outcome, 0)
