"""The validated config of one dataset as a typed spec the readers and cleaners take."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prepare.builtin import REGISTRY
from robustflow.errors import ConfigError
from robustflow.tasks import Task, task_for

_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".json": "jsonl",
               ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    task: Task
    seed: int
    kind: str  # files | builtin | hub
    files: dict  # split -> path (files and fetched builtin sources)
    hub: dict | None
    format: str
    encoding: str
    delimiter: str | None
    header: bool
    columns: dict
    conll: dict
    tag_scheme: str
    label_map: dict
    labels: list | None
    split: dict

    @classmethod
    def from_config(cls, name: str, ds: dict, task: str | Task, seed: int, fetched: str | None = None) -> "DatasetSpec":
        source = ds["source"]
        kind = next(k for k in ("builtin", "files", "hub") if k in source)
        settings = {k: source[k] for k in ("format", "encoding", "delimiter", "header")}
        # Keys as text: labels are read as text, and YAML reads an unquoted `0:` key as an integer.
        columns, label_map = dict(ds["columns"]), {str(k): v for k, v in ds["label_map"].items()}
        files: dict = dict(source.get("files") or {})
        if kind == "builtin":
            if fetched is None:
                raise ConfigError(f"built-in dataset {name!r} needs its fetched file (the fetch rule's output)")
            reader = REGISTRY[source["builtin"]].reader
            settings.update({k: reader[k] for k in ("format", "encoding", "header") if k in reader})
            columns.update(reader["columns"])
            # The registry turns raw codes into names; the user's label_map renames those names.
            label_map = {raw: label_map.get(mapped, mapped) for raw, mapped in reader["label_map"].items()}
            files = {"train": fetched}
        return cls(name=name, task=task_for(task), seed=seed, kind=kind, files=files, hub=source.get("hub"),
                   columns=columns, conll=dict(ds["conll"]), tag_scheme=ds["tag_scheme"], label_map=label_map,
                   labels=ds.get("labels"), split=dict(ds["split"]), **settings)

    def file_format(self, path: str) -> str:
        if self.format != "auto":
            return self.format
        fmt = _EXTENSIONS.get(Path(path).suffix.lower())
        if fmt is None:
            if self.task.fallback_format:
                return self.task.fallback_format
            raise ConfigError(
                f"datasets.{self.name}: cannot tell the format of {path} from its extension. "
                f"Fix: set `datasets.{self.name}.source.format` to one of csv, tsv, jsonl, parquet."
            )
        return fmt
