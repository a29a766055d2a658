"""Apertium (rule-based MT from Debian packages): offline back-translation through pivot languages."""

from __future__ import annotations

import functools
import shutil
import subprocess

from robustflow.errors import ResourceError

# pivot (ISO 639-3) -> (English->pivot mode, pivot->English mode, Debian package)
PAIRS = {
    "spa": ("eng-spa", "spa-eng", "apertium-eng-spa"),
    "cat": ("eng-cat", "cat-eng", "apertium-eng-cat"),
    "epo": ("en-eo", "eo-en", "apertium-eo-en"),
    "glg": ("en-gl", "gl-en", "apertium-en-gl"),
}


@functools.lru_cache(maxsize=1)
def installed_modes() -> frozenset[str]:
    if shutil.which("apertium") is None:
        raise ResourceError("Apertium is not installed. Fix: `apt-get install apertium apertium-eng-spa` "
                            "(setup.sh does this), or use backtranslation.backend: marian.")
    out = subprocess.run(["apertium", "-l"], capture_output=True, text=True, check=True).stdout
    return frozenset(out.split())


def modes_for(pivot: str, option: str) -> tuple[str, str]:
    """The two Apertium modes for a round trip through ``pivot``, or a ResourceError saying what to install."""
    if pivot not in PAIRS:
        raise ResourceError(f"{option}: Apertium has no English pair for pivot {pivot!r}; "
                            f"supported: {', '.join(sorted(PAIRS))}.")
    forward, backward, package = PAIRS[pivot]
    missing = [m for m in (forward, backward) if m not in installed_modes()]
    if missing:
        raise ResourceError(f"{option}: Apertium modes {missing} for pivot {pivot!r} are not installed. "
                            f"Fix: `apt-get install {package}`.")
    return forward, backward


def translate(texts: list[str], mode: str) -> list[str]:
    """Translate one text per line through ``apertium -u <mode>`` (no unknown-word marks)."""
    lines = [" ".join(t.split()) for t in texts]  # a newline inside a text would shift every later line
    proc = subprocess.run(["apertium", "-u", mode], input="\n".join(lines) + "\n", capture_output=True, text=True)
    if proc.returncode != 0:
        raise ResourceError(f"apertium -u {mode} failed: {proc.stderr.strip()[-500:]}")
    out = proc.stdout.split("\n")
    if out and out[-1] == "":
        out.pop()
    if len(out) != len(lines):
        raise ResourceError(f"apertium -u {mode} returned {len(out)} lines for {len(lines)} inputs")
    return [o.strip() for o in out]
