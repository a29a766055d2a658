"""The GPU check: training throughput and model FLOP utilisation in bf16 and fp16, FGM's cost, mixed
precision losses against fp32, robustflow's trainer on the device (tiny models: every method, bf16 and fp16,
classification and NER), and the tiny workflow with `device: cuda`. Under 8 minutes on one GPU.

A BERT-base-size classifier built from its config (random weights: throughput does not depend on
them) trains on random token ids. Per precision: plain and FGM steps, timed over interleaved rounds
(medians), samples/s and MFU = model FLOPs per second / the GPU's dense peak for that precision
(model FLOPs per token: 6 x non-embedding parameters + 12 x layers x hidden x sequence length, the
PaLM appendix count; no recomputation is counted). Goals: MFU >= 40 % for plain bf16, FGM <= 2.1x
plain. Losses: the same initial weights and batches trained in fp32, bf16 and fp16; the largest
per-step gap to fp32 is reported (mixed precision tracks fp32 within a few hundredths of a nat over
these steps; larger means a broken autocast or loss scaling).

    python bench/gpu_check.py [--out gpu_check.json] [--skip-workflow] [--skip-trainer]
    python bench/gpu_check.py --smoke --device cpu     # a tiny model on CPU: checks the script, not the GPU
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from robust_train.adversarial import AdversarialConfig, adversarial_step  # noqa: E402

# Dense tensor-core peaks in TFLOP/s (bf16 = fp16 on these parts), from the vendors' datasheets.
PEAK_TFLOPS = {"H200": 989.0, "H100 SXM": 989.0, "H100 PCIe": 756.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0,
               "L4": 121.0, "A10": 125.0, "RTX 4090": 165.0, "V100": 125.0, "T4": 65.0}


def peak_tflops(device_name: str, override: float | None) -> float | None:
    if override:
        return override
    for key in sorted(PEAK_TFLOPS, key=len, reverse=True):  # "H100 PCIe" before "H100"
        if key.lower() in device_name.lower():
            return PEAK_TFLOPS[key]
    return None


def build_model(smoke: bool, device: str):
    from transformers import BertConfig, BertForSequenceClassification

    size = (dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128) if smoke else
            dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072))
    config = BertConfig(vocab_size=30522, max_position_embeddings=512, num_labels=2, **size)
    torch.manual_seed(0)
    return BertForSequenceClassification(config).to(device), config


def flops_per_token(model, config, length: int) -> float:
    embedding = sum(p.numel() for n, p in model.named_parameters() if "embeddings" in n)
    dense = sum(p.numel() for p in model.parameters()) - embedding
    return 6 * dense + 12 * config.num_hidden_layers * config.hidden_size * length


def random_batches(n: int, batch_size: int, length: int, vocab: int, device: str, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return [{"input_ids": torch.randint(1000, vocab, (batch_size, length), generator=g).to(device),
             "attention_mask": torch.ones(batch_size, length, dtype=torch.long, device=device),
             "labels": torch.randint(0, 2, (batch_size,), generator=g).to(device)} for _ in range(n)]


def make_step(model, optimizer, precision: str, device: str, cfg: AdversarialConfig):
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    scaler = torch.amp.GradScaler("cuda", enabled=precision == "fp16" and device == "cuda")

    def step(batch) -> float:
        def loss_fn():
            with torch.autocast(device_type=device, dtype=dtype, enabled=dtype is not None):
                return model(**batch).loss.float()

        shape = torch.Size([*batch["input_ids"].shape, model.get_input_embeddings().embedding_dim])
        stats = adversarial_step(model, loss_fn, shape, batch["attention_mask"], cfg,
                                 backward=lambda loss: scaler.scale(loss).backward())
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        return stats.clean_loss
    return step


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def throughput(args, precisions) -> dict:
    model, config = build_model(args.smoke, args.device)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, fused=args.fused_adam or None)
    batches = random_batches(args.steps, args.batch_size, args.length, config.vocab_size, args.device)
    plain, fgm = AdversarialConfig.plain(), AdversarialConfig("fgm", epsilon=1.0, alpha=0.0, steps=0, norm="l2", init_mag=0.0)
    steps = {(p, name): make_step(model, optimizer, p, args.device, cfg) for p in precisions
             for name, cfg in (("plain", plain), ("fgm", fgm))}
    for step in steps.values():  # warm-up: kernels chosen, memory allocated
        step(batches[0])
    times = {key: [] for key in steps}
    for _ in range(args.rounds):
        for key, step in steps.items():  # interleaved, so clock and thermal drift hit every setting alike
            sync(args.device)
            start = time.perf_counter()
            for batch in batches:
                step(batch)
            sync(args.device)
            times[key].append((time.perf_counter() - start) / len(batches))
    per_token = flops_per_token(model, config, args.length)
    name = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
    peak = peak_tflops(name, args.peak_tflops) if args.device == "cuda" else None
    out = {"device": name, "peak_tflops": peak, "attention": getattr(config, "_attn_implementation", None),
           "fused_adam": args.fused_adam, "batch": args.batch_size, "length": args.length,
           "parameters": sum(p.numel() for p in model.parameters()), "model_flops_per_token": per_token, "results": {}}
    for precision in precisions:
        plain_s = statistics.median(times[(precision, "plain")])
        fgm_s = statistics.median(times[(precision, "fgm")])
        achieved = per_token * args.batch_size * args.length / plain_s / 1e12
        out["results"][precision] = {
            "plain_samples_per_s": round(args.batch_size / plain_s, 1), "fgm_samples_per_s": round(args.batch_size / fgm_s, 1),
            "fgm_vs_plain": round(fgm_s / plain_s, 3), "plain_tflops": round(achieved, 2),
            "plain_mfu": round(achieved / peak, 4) if peak else None}
    return out


def loss_agreement(args, precisions) -> dict:
    """Per-step losses of the same start and batches in each precision, against fp32."""
    batches = random_batches(args.loss_steps, args.batch_size, args.length, 30522, args.device, seed=1)
    curves = {}
    for precision in ["fp32", *precisions]:
        model, _ = build_model(args.smoke, args.device)  # seeded: the same initial weights every time
        model.train()
        step = make_step(model, torch.optim.AdamW(model.parameters(), lr=2e-5), precision, args.device,
                         AdversarialConfig.plain())
        curves[precision] = [step(b) for b in batches]
        del model
    gaps = {p: round(max(abs(a - b) for a, b in zip(curves[p], curves["fp32"])), 4) for p in precisions}
    return {"steps": args.loss_steps, "losses": curves, "max_gap_to_fp32": gaps}


def trainer_check(device: str) -> dict:
    """robust_train.trainer.train itself on ``device``: tiny BERTs built in-process (tests/tiny_models.py),
    every adversarial method in bf16 and fp16 (GradScaler) for classification, PGD for NER. Checks that
    the job's code puts the model, the batches and the perturbation on the device and reports the
    precision it ran in; the accuracies only show that training learns (a separable toy task)."""
    sys.path.insert(0, str(REPO / "tests"))
    from robust_train.adversarial import AdversarialConfig
    from robust_train.trainer import TrainConfig, train
    from robustflow.tasks import task_for
    from tiny_models import build_tiny_bert

    good, bad = ["good", "fine", "great", "moving"], ["bad", "dull", "awful", "tired"]
    filler = ["the", "film", "plot", "was", "and", "acting", "a", "story"]
    rng = __import__("random").Random(0)
    rows = []
    for i in range(256):
        label = i % 2
        words = [rng.choice(filler) for _ in range(rng.randint(4, 12))]
        words.insert(rng.randrange(len(words)), rng.choice(good if label else bad))
        rows.append({"id": f"r{i}", "text": " ".join(words), "text_pair": None, "label": ["neg", "pos"][label]})
    names, places = ["ann", "bo", "carl", "dina"], ["oslo", "rome", "lima", "kiev"]
    ner = []
    for i in range(128):
        tokens = [rng.choice(names), "met", rng.choice(names), "in", rng.choice(places)]
        ner.append({"id": f"n{i}", "tokens": tokens, "tags": ["B-PER", "O", "B-PER", "O", "B-LOC"]})
    corpus = [r["text"] for r in rows] + [" ".join(r["tokens"]) for r in ner]
    out: dict = {"classification": {}, "ner": {}}
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        cls_model = str(build_tiny_bert(root / "cls", corpus, head="cls", whole_words=True, num_labels=2))
        ner_model = str(build_tiny_bert(root / "ner", corpus, head="ner", whole_words=True, num_labels=5))
        methods = {"none": AdversarialConfig.plain(),
                   "fgm": AdversarialConfig("fgm", epsilon=0.002, alpha=0.0, steps=0, norm="l2", init_mag=0.0),
                   "pgd": AdversarialConfig("pgd", epsilon=0.002, alpha=0.001, steps=3, norm="l2", init_mag=0.0),
                   "freelb": AdversarialConfig("freelb", epsilon=0.002, alpha=0.001, steps=3, norm="l2", init_mag=0.0005)}

        def config(method: str, precision: str) -> TrainConfig:
            return TrainConfig(epochs=4, batch_size=16, grad_accum=1, lr=2e-3, weight_decay=0.0, warmup_ratio=0.0,
                               max_grad_norm=1.0, max_length=32, patience=0, precision=precision, device=device,
                               eval_batch_size=64, seed=3, trust_remote_code=False, adversarial=methods[method])

        runs = [("classification", m, p) for p in ("auto", "fp16") for m in methods] + [("ner", "pgd", "auto")]
        for task, method, precision in runs:
            data, labels, model = ((rows, ["neg", "pos"], cls_model) if task == "classification" else
                                   (ner, ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"], ner_model))
            name = f"{method}-{precision}"
            started = time.perf_counter()
            try:
                m = train(task, data[:192] if task == "classification" else data[:96],
                          data[192:] if task == "classification" else data[96:], labels, model, config(method, precision),
                          root / name / task / "model", root / name / task / "ckpt", test_rows=data[-32:])
                out[task][name] = {"device": m["device"], "precision": m["precision"], "steps": m["steps"],
                                   "dev": round(task_for(task).headline(m["dev"]), 3),
                                   "seconds": round(time.perf_counter() - started, 1)}
            except Exception as exc:  # report every run, then fail the check as a whole
                out[task][name] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    out["ok"] = all("error" not in r and r["device"] == device for t in ("classification", "ner") for r in out[t].values())
    return out


def tiny_workflow(device: str) -> dict:
    """The tiny classification experiment of the tests with training and attacks on ``device``."""
    import yaml

    cfg = yaml.safe_load((REPO / "tests/configs/tiny_classification.yaml").read_text())
    files = cfg["datasets"]["tiny"]["source"]["files"]
    cfg["datasets"]["tiny"]["source"]["files"] = {k: str(REPO / v) for k, v in files.items()}
    cfg["train"].update(device=device, methods=["none", "fgm", "pgd"], trainsets=["clean"])
    cfg.setdefault("attack", {})["device"] = device
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "config.yaml"
        path.write_text(yaml.safe_dump(cfg))
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", work,
                               "--cores", "4", "--configfile", str(path)], capture_output=True, text=True)
        seconds = round(time.perf_counter() - start, 1)
        devices = {}
        for metrics in Path(work).glob("results/train/tiny/clean/*/seed*/metrics.json"):
            m = json.loads(metrics.read_text())
            devices[m["method"]] = {"device": m["device"], "precision": m["precision"],
                                    "test_accuracy": m["test"]["accuracy"]}
        report = (Path(work) / "results/report/report.html").is_file()
    return {"returncode": proc.returncode, "seconds": seconds, "report": report, "trainings": devices,
            "log_tail": (proc.stdout + proc.stderr)[-2000:] if proc.returncode else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--smoke", action="store_true", help="a tiny model and few steps (checks the script on CPU)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per setting per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--loss-steps", type=int, default=20)
    parser.add_argument("--peak-tflops", type=float, default=None, help="the GPU's dense bf16 peak, when not in the table")
    parser.add_argument("--skip-workflow", action="store_true")
    parser.add_argument("--skip-trainer", action="store_true")
    parser.add_argument("--fused-adam", action="store_true", help="AdamW's fused CUDA kernel (one launch per step)")
    parser.add_argument("--out", default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    if args.smoke:
        args.batch_size, args.length, args.steps, args.rounds, args.loss_steps = 4, 16, 2, 2, 3
    # Mixed precision is a GPU feature; on CPU the check runs fp32 against itself (bf16 autocast on CPU is slow).
    precisions = ["bf16", "fp16"] if args.device == "cuda" else ["bf16"]
    started = time.perf_counter()
    report = {"throughput": throughput(args, precisions), "losses": loss_agreement(args, precisions)}
    if not args.skip_trainer:
        report["trainer"] = trainer_check(args.device)
    if not args.skip_workflow:
        report["tiny_workflow"] = tiny_workflow(args.device)
    report["seconds"] = round(time.perf_counter() - started, 1)

    t = report["throughput"]
    size = "a tiny BERT (smoke)" if args.smoke else "BERT-base-size"
    print(f"{t['device']}: {size} ({t['parameters'] / 1e6:.0f}M parameters), batch {t['batch']} x {t['length']}, "
          f"peak {t['peak_tflops']} TFLOP/s, attention {t['attention']}, fused AdamW {t['fused_adam']}")
    print(f"{'precision':10s} {'plain/s':>9s} {'fgm/s':>9s} {'fgm/plain':>10s} {'TFLOP/s':>8s} {'MFU':>6s}  goals: MFU >= 40 % (bf16), fgm <= 2.1x")
    for precision, r in t["results"].items():
        mfu = f"{100 * r['plain_mfu']:.1f}%" if r["plain_mfu"] is not None else "-"
        print(f"{precision:10s} {r['plain_samples_per_s']:9.1f} {r['fgm_samples_per_s']:9.1f} {r['fgm_vs_plain']:9.2f}x "
              f"{r['plain_tflops']:8.2f} {mfu:>6s}")
    print(f"largest per-step loss gap to fp32 over {report['losses']['steps']} steps: {report['losses']['max_gap_to_fp32']}")
    if "trainer" in report:
        r = report["trainer"]
        print(f"robustflow's trainer on {args.device}: {'ok' if r['ok'] else 'FAILED'}")
        for task in ("classification", "ner"):
            for name, run in r[task].items():
                print(f"  {task:14s} {name:12s} {run}")
    if "tiny_workflow" in report:
        w = report["tiny_workflow"]
        print(f"tiny workflow on {args.device}: exit {w['returncode']}, {w['seconds']} s, report {w['report']}, "
              f"trainings {w['trainings']}")
        if w["returncode"]:
            print(w["log_tail"])
    print(f"total {report['seconds']} s")
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1))
    if not report.get("trainer", {"ok": True})["ok"] or report.get("tiny_workflow", {}).get("returncode"):
        sys.exit(1)


if __name__ == "__main__":
    main()
