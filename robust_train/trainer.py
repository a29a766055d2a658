"""Fine-tune an encoder for classification or NER with plain or adversarial training.

Seeds everywhere (same seed on CPU = same metrics); checkpoints at each epoch end, with a
fingerprint of settings and data, so a killed job rerun resumes where it stopped (and a stale
checkpoint from other settings is ignored); the best dev epoch is saved with save_pretrained.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import torch

from models.devices import resolve_device
from models.pretrained import load_for_training
from robust_train.adversarial import AdversarialConfig, adversarial_step
from robust_train.data import bucketed_batches, collate
from robust_train.distil import attach_targets, distillation_loss, keep_layers
from robust_train.distributed import Ranks, no_sync, wrap
from robust_train.lora import LoraSettings, save_lora, with_lora
from robust_train.predict import predict
from robustflow.atomic import atomic_dir
from robustflow.errors import DataError
from robustflow.numerics import numeric_environment, tensors_digest
from robustflow.seeds import seed_everything
from robustflow.tasks import Task, task_for

log = logging.getLogger(__name__)
# The `train` keys that are TrainConfig fields (the others pick rows or jobs, or are the methods' blocks).
_FIELDS = ("epochs", "batch_size", "grad_accum", "lr", "weight_decay", "warmup_ratio", "max_grad_norm", "patience",
           "precision", "device", "eval_batch_size", "processes")


@dataclass(frozen=True)
class TrainConfig:
    """What the trainer needs, from `train` and `model` of the validated config (defaults: the schema)."""

    epochs: int
    batch_size: int  # rows per rank per micro-batch: an optimizer step sees batch_size x processes x grad_accum
    grad_accum: int
    lr: float
    weight_decay: float
    warmup_ratio: float
    max_grad_norm: float
    max_length: int
    patience: int  # epochs without dev improvement before stopping; 0 = never stop early
    precision: str  # auto | fp32 | bf16 | fp16 (mixed precision only on GPU)
    device: str
    eval_batch_size: int
    seed: int
    trust_remote_code: bool
    adversarial: AdversarialConfig
    lora: LoraSettings | None = None  # model.lora: train adapters (and the head) instead of every weight
    processes: int = 1  # data-parallel ranks inside the job (robust_train/distributed.py)

    @classmethod
    def from_settings(cls, train: dict, model: dict, method: str, seed: int) -> "TrainConfig":
        """``train``: the `train` section (with at least this method's block); ``model``: the `model` section."""
        return cls(**{k: train[k] for k in _FIELDS}, seed=seed, max_length=model["max_length"],
                   trust_remote_code=model["trust_remote_code"],
                   adversarial=AdversarialConfig.from_settings(method, train.get(method)),
                   lora=LoraSettings.from_config(model.get("lora")))


def _device_and_amp(cfg: TrainConfig):
    device = resolve_device(cfg.device, "train.device")
    precision = cfg.precision
    if device != "cuda":
        precision = "fp32"  # autocast on CPU is slower than fp32 for these models
    elif precision == "auto":
        precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    return device, precision, dtype


def fingerprint(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _param_groups(model, weight_decay: float):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if p.ndim < 2 else decay).append(p)  # biases and LayerNorm weights are 1-d
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def evaluate(model, tokenizer, rows, task: Task, label2id, id2label, cfg: TrainConfig, device: str,
             defence=None) -> dict:
    preds, _ = predict(model, tokenizer, rows, task, label2id, id2label, cfg.max_length, cfg.eval_batch_size, device,
                       defence=defence)
    return task.metrics([task.gold(r) for r in rows], preds)


@dataclass(frozen=True)
class EpochRows:
    """Rows made for each epoch from the model as it stands (online adversarial examples): ``make``
    (model, tokenizer, label2id, epoch) -> (rows, statistics), from epoch ``start_epoch`` on, at
    most ``max_rows`` an epoch (sizes the learning-rate schedule)."""

    make: Callable
    start_epoch: int
    max_rows: int
    settings: object = None  # what the rows depend on (a resumed checkpoint must have been made with the same)


def train(task: Task | str, train_rows: Sequence[dict], dev_rows: Sequence[dict], labels: Sequence[str], model_path: str,
          cfg: TrainConfig, out_dir: str | Path, checkpoint_dir: str | Path,
          after_epoch: Callable[[int], None] | None = None, test_rows: Sequence[dict] | None = None,
          epoch_rows: EpochRows | None = None, timing: dict | None = None,
          on_dev: Callable[[int, float], None] | None = None, defence=None, distil=None) -> dict:
    """Train, keep the best dev epoch, save it to ``out_dir``; return the metrics dict (with test
    metrics of the saved model when ``test_rows`` are given). With ``epoch_rows``, each epoch from
    its start epoch trains on the training rows plus the rows it makes from the current weights.
    ``on_dev(epoch, dev score)`` runs after each epoch's checkpoint (a search trial's pruning hook).
    With ``defence`` (models/defences), every row the model trains on or is scored on passes
    through its normaliser first, and the defence is saved with the model. With ``distil``
    (robust_train/distil.DistilSettings), the loss mixes the teacher's soft labels with the gold
    ones, and the encoder may first be cut to fewer layers.

    The metrics hold no timings, so the same settings and data give the same bytes, resumed or not;
    ``timing``, when given, receives them (seconds this run, samples/s, online attack seconds)."""
    task = task_for(task)
    if not train_rows or not dev_rows:
        which = "training" if not train_rows else "dev"
        raise DataError(f"no {which} rows to {'train on' if which == 'training' else 'select the best epoch with'}: "
                        f"the {which} set is empty. Fix: check the cleaning report (results/clean/<dataset>/report.md) "
                        "for the rules that removed the rows, or `train.max_train_samples`.")
    seed_everything(cfg.seed)
    ranks = Ranks.current()
    device, precision, amp_dtype = _device_and_amp(cfg)
    tokenizer, model, label2id, id2label, new_modules = load_for_training(task, model_path, labels, cfg.trust_remote_code)
    if device == "cpu" and getattr(model.config, "_attn_implementation", None) == "sdpa":
        # torch's fused CPU attention (SDPA) gave other weights after the same first step, from the same
        # weights, batch and RNG, in 5 of 21 fresh training processes; the eager attention in 0 of 17
        # (docs/results.md, "The byte-identity flake"). Training on a GPU keeps SDPA.
        model.set_attn_implementation("eager")
    kept_layers = keep_layers(model, distil.layers) if distil is not None and distil.layers else None
    if cfg.lora:
        model = with_lora(model, task, cfg.lora, also_train=new_modules)
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        log.info("LoRA r=%d: %d of %d parameters train", cfg.lora.r, trainable, sum(p.numel() for p in model.parameters()))
    # Digested while still on the CPU: on a GPU it would copy every weight back just to hash it.
    log.info("numerics %s; initial weights %s", numeric_environment(), tensors_digest(model.state_dict()))
    model.to(device)
    if defence is not None:
        defence.bind_tokenizer(tokenizer)
    defended = (lambda rows: defence.rows(task, rows)) if defence is not None else list

    def encoded(rows):  # features, with the teacher's soft labels for a student
        enc = task.encode(rows, tokenizer, label2id, cfg.max_length)
        if distil is not None:
            attach_targets(enc.features, rows, enc.word_ids, distil.teacher, len(label2id), distil.soft_only)
        return enc

    enc = encoded(defended(train_rows))
    labelled = sum(r["id"] in distil.teacher for r in train_rows) if distil is not None else 0
    if distil is not None:
        log.info("distillation: the teacher labelled %d of %d training rows (T=%s, alpha=%s), %d of them a transfer "
                 "set (its labels only)", labelled, len(train_rows), distil.temperature, distil.alpha,
                 len(distil.soft_only))
    if enc.truncated_words:
        log.warning("max_length %d cut %d word(s) off the training rows: they are not trained on (raise "
                    "model.max_length)", cfg.max_length, enc.truncated_words)

    substitutes = substitute_table(cfg, tokenizer, enc.features)  # ascc: each word's substitution set
    global_batch = cfg.batch_size * ranks.world  # each rank trains on its shard of every global batch

    def steps(rows: int) -> int:
        return math.ceil(math.ceil(rows / global_batch) / cfg.grad_accum)

    total_steps = sum(steps(len(enc.features) + (epoch_rows.max_rows if epoch_rows and e >= epoch_rows.start_epoch else 0))
                      for e in range(cfg.epochs))
    from transformers import get_linear_schedule_with_warmup

    optimizer = torch.optim.AdamW(_param_groups(model, cfg.weight_decay), lr=cfg.lr)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(cfg.warmup_ratio * total_steps), total_steps)
    scaler = torch.amp.GradScaler("cuda", enabled=precision == "fp16")

    state = {"epoch": 0, "step": 0, "best": None, "best_epoch": None, "bad_epochs": 0, "history": [], "curve": [],
             "epoch_rows": [], "epoch_rows_seconds": []}
    ckpt = Path(checkpoint_dir)
    fp = fingerprint(asdict(cfg), task.name, list(labels), model_path, [r["id"] for r in train_rows], [r["id"] for r in dev_rows],
                     None if epoch_rows is None else (epoch_rows.start_epoch, epoch_rows.max_rows, epoch_rows.settings),
                     None if defence is None else (defence.name, defence.settings),
                     None if distil is None else distil.fingerprint())
    best_state = None
    if (ckpt / "state.json").is_file() and json.loads((ckpt / "state.json").read_text()).get("fingerprint") == fp:
        state = json.loads((ckpt / "state.json").read_text())["state"]
        state.setdefault("epoch_rows_seconds", [])  # a checkpoint written before timings had their own key
        from safetensors.torch import load_file

        model.load_state_dict(load_file(ckpt / "model.safetensors"))
        extra = torch.load(ckpt / "optim.pt", weights_only=True)
        optimizer.load_state_dict(extra["optimizer"])
        scheduler.load_state_dict(extra["scheduler"])
        torch.set_rng_state(extra["torch_rng"])
        if (ckpt / "best.safetensors").is_file():
            best_state = load_file(ckpt / "best.safetensors")
        log.info("resuming from %s: epoch(s) 0-%d done of %d", ckpt, state["epoch"] - 1, cfg.epochs)
    resumed_at = state["epoch"]

    warm_up(model, enc.features[: cfg.batch_size], tokenizer.pad_token_id, device)
    net = wrap(model, device)  # DDP when several ranks; the plain model otherwise
    start = time.perf_counter()
    samples = 0
    autocast = (torch.autocast(device_type="cuda", dtype=amp_dtype) if amp_dtype else torch.autocast("cpu", enabled=False))
    while state["epoch"] < cfg.epochs and not (cfg.patience and state["bad_epochs"] >= cfg.patience):
        epoch = state["epoch"]
        if ranks.world > 1:  # dropout differs between ranks, and a resumed epoch draws what it drew before
            torch.manual_seed((cfg.seed * 1000 + epoch) * ranks.world + ranks.rank)
        features = enc.features
        if defence is not None and defence.randomised:  # fresh random substitutions every epoch
            features = encoded(defence.training_rows(task, train_rows, epoch)).features
        if epoch_rows and epoch >= epoch_rows.start_epoch:
            made_at = time.perf_counter()
            made, made_stats = epoch_rows.make(model, tokenizer, label2id, epoch)
            features = features + (encoded(defended(made)).features if made else [])
            state["epoch_rows"].append(made_stats)
            state["epoch_rows_seconds"].append(round(time.perf_counter() - made_at, 2))
        lengths = [len(f["input_ids"]) for f in features]
        model.train()
        batches = list(bucketed_batches(lengths, global_batch, seed=cfg.seed * 1000 + epoch))
        optimizer.zero_grad(set_to_none=True)
        for b, global_idx in enumerate(batches):
            idx, weight = ranks.shard(global_idx)
            batch = {k: v.to(device) for k, v in collate([features[i] for i in idx], tokenizer.pad_token_id).items()}
            if state["step"] == 0 and b == 0:
                log.info("first batch %s", tensors_digest(batch))

            def loss_fn(batch=batch):
                with autocast:
                    if distil is None:
                        return net(**batch).loss.float()
                    inputs = {k: v for k, v in batch.items() if k not in ("labels", "teacher", "teacher_mask")}
                    return distillation_loss(net(**inputs).logits, batch["labels"], batch["teacher"],
                                             batch["teacher_mask"], distil.temperature, distil.alpha)

            hidden = model.get_input_embeddings().embedding_dim
            shape = torch.Size([*batch["input_ids"].shape, hidden])
            group_start = b - b % cfg.grad_accum
            group = min(cfg.grad_accum, len(batches) - group_start)  # the last group of an epoch may be short
            last_of_group = b + 1 == group_start + group
            stats = adversarial_step(model, loss_fn, shape, batch["attention_mask"], cfg.adversarial.at(epoch + b / len(batches)),
                                     scale=weight / group, backward=lambda loss: scaler.scale(loss).backward(),
                                     agree=ranks.agree, quiet=no_sync(net), input_ids=batch["input_ids"],
                                     substitution=substitution_batch(substitutes, batch, task, label2id) if substitutes else None)
            samples += len(global_idx)
            if last_of_group:
                scaler.unscale_(optimizer)
                grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
                scaler.step(optimizer)
                scaler.update()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                state["step"] += 1
                state["curve"].append({"step": state["step"], "epoch": epoch, "clean_loss": stats.clean_loss,
                                       "adv_loss": stats.adv_loss, "delta_norm": stats.delta_norm,
                                       "grad_norm": float(grad_norm), "lr": scheduler.get_last_lr()[0],
                                       "attack_skipped": stats.skipped})
                if state["step"] % 20 == 0:
                    log.info("epoch %d step %d/%d loss %.4f adv %s |delta| %s", epoch, state["step"], total_steps,
                             stats.clean_loss, stats.adv_loss, stats.delta_norm)
        dev = evaluate(model, tokenizer, dev_rows, task, label2id, id2label, cfg, device, defence)
        score = task.headline(dev)
        state["history"].append({"epoch": epoch, "dev": score})
        if state["best"] is None or score > state["best"]:
            state.update(best=score, best_epoch=epoch, bad_epochs=0, best_metrics=dev)
            best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        else:
            state["bad_epochs"] += 1
        state["epoch"] = epoch + 1
        log.info("epoch %d dev %.4f (best %.4f at epoch %d)", epoch, score, state["best"], state["best_epoch"])
        if ranks.main:
            _checkpoint(ckpt, model, optimizer, scheduler, state, fp, best_state)
        ranks.barrier()  # no rank starts the next epoch (or a kill) before the checkpoint is whole
        if after_epoch:
            after_epoch(epoch)
        if on_dev:
            on_dev(epoch, score)

    elapsed = time.perf_counter() - start
    model.load_state_dict(best_state)
    tokenizer.model_max_length = cfg.max_length  # the trained length: pipelines/TextAttack truncate there too
    if ranks.main:
        with atomic_dir(out_dir) as tmp:
            if cfg.lora:  # the adapter in tmp/adapter, the merged model (what later jobs read) in tmp
                model = save_lora(model, tokenizer, model_path, tmp)
            model.save_pretrained(tmp, safe_serialization=True)
            tokenizer.save_pretrained(tmp)
            if defence is not None:
                defence.save(tmp)
    ranks.barrier()
    dev = state["best_metrics"]  # measured at the best epoch; the saved model is that epoch's
    metrics = {"task": task.name, "method": cfg.adversarial.method, "seed": cfg.seed, "device": device, "precision": precision,
               "dev": dev, "best_epoch": state["best_epoch"], "epochs_run": state["epoch"], "steps": state["step"],
               "train_rows": len(train_rows), "truncated_words": enc.truncated_words,
               "parameters": sum(p.numel() for p in model.parameters()),  # the saved model's (LoRA: merged)
               "history": state["history"], "curve": state["curve"]}
    if timing is not None:
        timing.update({"train_seconds_this_run": round(elapsed, 2), "epochs_this_run": state["epoch"] - resumed_at,
                       "train_samples_per_second": round(samples / elapsed, 2) if samples else None,
                       "online_attack_seconds": state["epoch_rows_seconds"]})
    if epoch_rows:
        metrics["online"] = state["epoch_rows"]
    if distil is not None:
        metrics["distil"] = {"temperature": distil.temperature, "alpha": distil.alpha, "teacher_rows": labelled,
                             "layers": kept_layers}
        if distil.soft_only:
            metrics["distil"]["transfer_rows"] = len(distil.soft_only)
    if defence is not None:  # how much of the clean training text the normaliser rewrote
        metrics["defence"] = defence.intrusion(task, train_rows)
    if ranks.world > 1:
        metrics["processes"] = ranks.world
    if test_rows is not None and ranks.main:
        metrics["test"] = evaluate(model, tokenizer, test_rows, task, label2id, id2label, cfg, device, defence)
    return metrics


def substitute_table(cfg: TrainConfig, tokenizer, features: list[dict]):
    """ASCC's substitution sets for the words of the training rows (None for other methods). Rows
    made online, between epochs, hold few words the clean rows lack: those words stay unperturbed."""
    if cfg.adversarial.method != "ascc":
        return None
    from robust_train.ascc import SubstituteTable, label_preserving, substitutes_of

    used = {i for f in features for i in f["input_ids"]}
    return SubstituteTable.build(tokenizer, substitutes_of(cfg.adversarial.source), cfg.adversarial.substitutes, used,
                                 keep=label_preserving)


def substitution_batch(table, batch: dict, task: Task, label2id: dict):
    """The batch's substitution sets; a tagger's words are perturbed only where labelled O."""
    from robust_train.ascc import SubstitutionBatch

    eligible = table.eligible(batch["input_ids"], batch["attention_mask"])
    if task.name == "ner":
        eligible &= batch["labels"] == label2id["O"]
    return SubstitutionBatch.of(table, batch["input_ids"], eligible)


def warm_up(model, features: list[dict], pad_id: int, device: str) -> None:
    """One discarded forward pass before the first training step. A process's first forward has
    twice given other bits in the 7th digit than every rerun (CI's byte-identity check: the first
    step's loss of a tiny FGM job; the evaluation's first prediction, which has the same warm-up):
    the first real step is then a second forward. Evaluation mode and no gradient: no dropout draw,
    so the training RNG, and every figure, stay as without it."""
    if not features:
        return
    batch = collate(features, pad_id)
    inputs = {k: v.to(device) for k, v in batch.items() if k not in ("labels", "teacher", "teacher_mask")}
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        model(**inputs)
    model.train(was_training)


def _checkpoint(ckpt: Path, model, optimizer, scheduler, state: dict, fp: str, best_state) -> None:
    from safetensors.torch import save_file

    with atomic_dir(ckpt) as tmp:
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, tmp / "model.safetensors")
        if best_state is not None:
            save_file({k: v.contiguous() for k, v in best_state.items()}, tmp / "best.safetensors")
        torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                    "torch_rng": torch.get_rng_state()}, tmp / "optim.pt")
        (tmp / "state.json").write_text(json.dumps({"fingerprint": fp, "state": state}))
