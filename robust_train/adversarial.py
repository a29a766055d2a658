"""Adversarial training on the input embeddings: none, FGM, PGD, FreeLB, ASCC (robust_train/ascc.py).

A forward hook on ``model.get_input_embeddings()`` adds a perturbation ``delta`` to the embedding
output (never found by parameter names: "emb" also matches position/type embeddings and
LayerNorm). Nothing is written into the weights, so nothing needs restoring, and the hook is
removed in ``finally`` even when a forward raises. Ascent steps take gradients with
``torch.autograd.grad(loss, delta)``, so parameter ``.grad`` only ever receives the training
losses, each scaled by ``scale`` (1 / gradient-accumulation steps) exactly like the clean loss.

Costs per step, in forward+backward passes: none 1, FGM 2, PGD-K K+1 (the clean pass gives the
first ascent direction), FreeLB-K K, ASCC-K K+2 (its ascent starts from the sets' centroids).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from typing import Callable

import torch

from robust_train.embedding_hook import perturbed_embeddings


@dataclass(frozen=True)
class AdversarialConfig:
    """One method's settings (`train.fgm`, `train.pgd`, `train.freelb`, `train.ascc`; defaults in the schema)."""

    method: str  # none | fgm | pgd | freelb | ascc
    epsilon: float  # radius of the perturbation ball, per example (token embeddings have norm ~1)
    alpha: float  # ascent step size (pgd, freelb)
    steps: int  # K (pgd, freelb)
    norm: str  # l2 | linf
    init_mag: float  # freelb: uniform initialisation magnitude
    source: str | None = None  # ascc: where the substitution sets come from (wordnet | wordnet_forms | glove)
    substitutes: int = 0  # ascc: substitutes per word at most
    beta: float = 1.0  # ascc: weight of the adversarial loss beside the clean one
    ramp_epochs: float = 0.0  # ascc: beta rises linearly from 0 over this many epochs (0: full from the start)
    vertices: bool = False  # ascc: train on each set's favoured member (a discrete swap), not the soft mixture

    @classmethod
    def plain(cls) -> "AdversarialConfig":
        """Method none: no perturbation."""
        return cls("none", epsilon=0.0, alpha=0.0, steps=0, norm="l2", init_mag=0.0)

    @classmethod
    def from_settings(cls, method: str, perturbation: dict | None) -> "AdversarialConfig":
        """``perturbation``: the method's block of `train` (None for method none)."""
        if method == "ascc":
            return cls("ascc", epsilon=0.0, alpha=perturbation["alpha"], steps=perturbation["steps"], norm="l2",
                       init_mag=0.0, source=perturbation["source"], substitutes=perturbation["substitutes"],
                       beta=perturbation["beta"], ramp_epochs=perturbation.get("ramp_epochs", 0.0),
                       vertices=perturbation.get("vertices", False))
        return cls.plain() if method == "none" else cls(method=method, **perturbation)

    def at(self, progress: float) -> "AdversarialConfig":
        """The settings at ``progress`` epochs into training (epoch + fraction of its batches): under a
        ramp, ascc's beta is ``beta * progress / ramp_epochs`` until the ramp ends. A freshly
        initialised head makes the worst combination's loss dominate the first steps (the default's
        first ascc epoch ended at chance on dev); the ramp lets the clean loss lead there."""
        if self.method != "ascc" or self.ramp_epochs <= 0 or progress >= self.ramp_epochs:
            return self
        return replace(self, beta=self.beta * progress / self.ramp_epochs)


def _mask(delta: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    return delta * attention_mask.unsqueeze(-1).to(delta.dtype)


def _per_example_norm(x: torch.Tensor, norm: str) -> torch.Tensor:
    flat = x.flatten(1)
    values = flat.norm(dim=1) if norm == "l2" else flat.abs().amax(dim=1)
    return values.view(-1, *([1] * (x.dim() - 1)))


def ascent(delta: torch.Tensor, grad: torch.Tensor, step: float, norm: str) -> torch.Tensor:
    """One normalised ascent step: L2 direction g/||g|| per example, or sign(g) for L-inf."""
    if norm == "l2":
        return delta + step * grad / _per_example_norm(grad, "l2").clamp(min=1e-12)
    return delta + step * grad.sign()


def project(delta: torch.Tensor, epsilon: float, norm: str, attention_mask: torch.Tensor) -> torch.Tensor:
    """Back into the epsilon ball of each example (padding positions stay zero)."""
    delta = _mask(delta, attention_mask)
    if norm == "l2":
        n = _per_example_norm(delta, "l2")
        return delta * torch.clamp(epsilon / n.clamp(min=1e-12), max=1.0)
    return delta.clamp(-epsilon, epsilon)


def finite_nonzero(grad: torch.Tensor) -> bool:
    """An ascent needs a usable gradient: zero or inf/nan (fp16 overflow) means skip the attack."""
    total = grad.float().norm()
    return bool(torch.isfinite(total)) and float(total) > 0


@dataclass
class StepStats:
    clean_loss: float
    adv_loss: float | None = None
    delta_norm: float | None = None
    skipped: bool = False


def adversarial_step(model: torch.nn.Module, loss_fn: Callable[[], torch.Tensor], embeds_shape: torch.Size,
                     attention_mask: torch.Tensor, cfg: AdversarialConfig, scale: float = 1.0,
                     backward: Callable[[torch.Tensor], None] | None = None,
                     agree: Callable[[bool], bool] = lambda usable: usable,
                     quiet: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
                   substitution=None, input_ids: torch.Tensor | None = None) -> StepStats:
    """Compute the step's training losses and accumulate their gradients into the parameters.

    ``model`` is the module whose embeddings are perturbed (under DDP the wrapped module, while
    ``loss_fn`` calls the wrapper). ``loss_fn()`` runs the model on the batch and returns the mean
    loss; ``backward(loss)`` defaults to ``loss.backward()`` (a GradScaler passes
    ``scaler.scale(loss).backward()``). Data-parallel ranks pass ``agree`` (every rank attacks or
    none does: the attack's backward passes are all-reduces) and ``quiet`` (DDP's no_sync, for
    forwards whose backward reaches no parameter). ASCC needs the batch's ``input_ids`` and its
    ``substitution`` sets (robust_train/ascc.SubstitutionBatch).
    """
    backward = backward or (lambda loss: loss.backward())

    def usable(grad) -> bool:  # a zero-weighted rank (no rows of its own) never vetoes the others
        return agree(scale == 0 or (grad is not None and finite_nonzero(grad)))
    dtype = next(model.parameters()).dtype
    zeros = torch.zeros(embeds_shape, device=attention_mask.device, dtype=dtype)

    if cfg.method == "none":
        loss = loss_fn()
        backward(loss * scale)
        return StepStats(clean_loss=loss.item())

    if cfg.method == "ascc":
        from robust_train.ascc import worst_combination

        clean = loss_fn()
        backward(clean * scale)
        if cfg.beta == 0:  # the ramp's first step: nothing to add (the same on every rank)
            return StepStats(clean_loss=clean.item(), skipped=True)
        # no word of the batch has substitutes: nothing to attack (every rank must agree to skip)
        if not agree(scale == 0 or bool(substitution.eligible.any())):
            return StepStats(clean_loss=clean.item(), skipped=True)
        delta = worst_combination(model, loss_fn, substitution, input_ids, cfg.steps, cfg.alpha, quiet, cfg.vertices)
        with perturbed_embeddings(model, delta):
            adv = loss_fn()
        backward(adv * scale * cfg.beta)
        return StepStats(clean_loss=clean.item(), adv_loss=adv.item(),
                         delta_norm=float(_per_example_norm(delta, "l2").mean()))

    if cfg.method == "freelb":
        delta = zeros
        if cfg.init_mag > 0:
            delta = _mask(torch.empty_like(zeros).uniform_(-1, 1), attention_mask)
            lengths = attention_mask.sum(1).view(-1, 1, 1).to(dtype)
            delta = delta * cfg.init_mag / torch.sqrt(lengths * zeros.shape[-1])
        first = None
        for _ in range(cfg.steps):
            delta = delta.detach().requires_grad_(True)
            with perturbed_embeddings(model, delta):
                loss = loss_fn()
            first = loss.item() if first is None else first
            backward(loss * scale / cfg.steps)  # parameters accumulate the mean adversarial loss
            if not usable(delta.grad):
                return StepStats(clean_loss=first, adv_loss=loss.item(), skipped=True)
            delta = ascent(delta.detach(), delta.grad.detach(), cfg.alpha, cfg.norm)
            if cfg.epsilon > 0:
                delta = project(delta, cfg.epsilon, cfg.norm, attention_mask)
        return StepStats(clean_loss=first, adv_loss=loss.item(), delta_norm=float(_per_example_norm(delta, cfg.norm).mean()))

    # fgm and pgd: the clean pass trains the parameters and yields the first ascent direction
    delta = zeros.requires_grad_(True)
    with perturbed_embeddings(model, delta):
        clean = loss_fn()
    backward(clean * scale)
    grad = delta.grad
    if not usable(grad):
        return StepStats(clean_loss=clean.item(), skipped=True)
    if cfg.method == "fgm":
        delta = project(ascent(zeros, grad, cfg.epsilon, cfg.norm), cfg.epsilon, cfg.norm, attention_mask)
    elif cfg.method == "pgd":
        delta = project(ascent(zeros, grad, cfg.alpha, cfg.norm), cfg.epsilon, cfg.norm, attention_mask)
        for _ in range(cfg.steps - 1):
            delta = delta.detach().requires_grad_(True)
            with quiet(), perturbed_embeddings(model, delta):
                loss = loss_fn()
            (grad,) = torch.autograd.grad(loss, delta)  # parameter .grad untouched
            if not usable(grad):
                return StepStats(clean_loss=clean.item(), skipped=True)
            delta = project(ascent(delta.detach(), grad, cfg.alpha, cfg.norm), cfg.epsilon, cfg.norm, attention_mask)
    else:
        raise ValueError(f"unknown adversarial method {cfg.method!r}")
    delta = delta.detach()
    with perturbed_embeddings(model, delta):
        adv = loss_fn()
    backward(adv * scale)
    return StepStats(clean_loss=clean.item(), adv_loss=adv.item(), delta_norm=float(_per_example_norm(delta, cfg.norm).mean()))
