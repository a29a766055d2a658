"""The one place a perturbation enters a model: a forward hook adding ``delta`` to the output of
``model.get_input_embeddings()`` (never found by parameter names: "emb" also matches
position/type embeddings and LayerNorm). Nothing is written into the weights, and the hook is
removed in ``finally`` even when a forward raises."""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch


@contextlib.contextmanager
def perturbed_embeddings(model: torch.nn.Module, delta: torch.Tensor | None) -> Iterator[None]:
    """While active, the embedding layer's output is ``output + delta``."""
    if delta is None:
        yield
        return
    handle = model.get_input_embeddings().register_forward_hook(lambda module, args, output: output + delta)
    try:
        yield
    finally:
        handle.remove()
