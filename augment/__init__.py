"""Making data: token-level augmenters and back-translation (rules/augment.smk), adversarial
examples from attack recipes (rules/attack.smk), and the training sets built from them
(rules/trainsets.smk)."""
