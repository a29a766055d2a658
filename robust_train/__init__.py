"""Fine-tuning with plain or adversarial training (none, FGM, PGD, FreeLB) (rules/train.smk)."""
