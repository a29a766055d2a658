"""The task objects. Adding a task (sentence pairs, multi-label...) means one new Task subclass
registered here; the stages call its methods instead of asking which task they run."""

from __future__ import annotations

from robustflow.tasks.base import IGNORE, Encoded, Task
from robustflow.tasks.classification import Classification
from robustflow.tasks.ner import Ner

TASKS: dict[str, Task] = {task.name: task for task in (Classification(), Ner())}


def task_for(name: str | Task) -> Task:
    """The task object of a config's `task` (task objects pass through)."""
    return name if isinstance(name, Task) else TASKS[name]


__all__ = ["IGNORE", "TASKS", "Classification", "Encoded", "Ner", "Task", "task_for"]
