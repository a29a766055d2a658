"""Token-level augmenters (character noise, substitutions, EDA, entity mentions, masked-LM): the
registry of types, the per-row builders and the augmentation job."""
