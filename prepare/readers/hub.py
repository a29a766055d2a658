"""Hugging Face `datasets` sources: hub ids for online users, or a local folder load_dataset reads.

Class-label features (ints) are turned into their names, so labels and NER tags reach the rest of
the pipeline as strings whatever the hub stored.
"""

from __future__ import annotations

from typing import Iterator

from robustflow.errors import ResourceError

Record = dict[object, object]


def _offline_error(name: str, split: str, exc: Exception) -> ResourceError:
    return ResourceError(
        f"could not load split {split!r} of hub dataset {name!r}: {type(exc).__name__}: {exc}. "
        "If this machine is offline (or HF_HUB_OFFLINE/HF_DATASETS_OFFLINE is set), load the dataset on a "
        "machine with access, export each split (`load_dataset(...)[split].to_json('train.jsonl')` or "
        "`.to_parquet(...)`), copy the files here and point `source.files` of this dataset at them "
        "(set `source.format` if the extension does not say it)."
    )


def _class_names(feature) -> list[str] | None:
    """Names of a ClassLabel feature, or of a Sequence(ClassLabel); None for other features."""
    names = getattr(feature, "names", None)
    if names is None:
        inner = getattr(feature, "feature", None)
        names = getattr(inner, "names", None)
    return list(names) if names else None


def iter_hub(name: str, split: str, config: str | None = None, revision: str | None = None) -> Iterator[tuple[int, Record]]:
    import datasets

    try:
        ds = datasets.load_dataset(name, config, split=split, revision=revision)
    except Exception as exc:  # network, missing dataset and auth failures all surface differently
        raise _offline_error(name, split, exc) from None
    names_by_column = {col: _class_names(feat) for col, feat in ds.features.items()}
    for i, record in enumerate(ds, start=1):
        for col, names in names_by_column.items():
            if names is None:
                continue
            value = record[col]
            record[col] = [names[v] for v in value] if isinstance(value, list) else names[value]
        yield i, record
