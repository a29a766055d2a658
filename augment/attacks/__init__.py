"""Adversarial example generation: TextAttack recipes built offline from local resources, a fast
model wrapper, sharded attack jobs, and a label-preserving attack for NER."""
