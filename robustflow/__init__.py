"""The pieces every stage shares: config validation and typed settings, the task objects
(classification, NER), model loading, seeds, atomic writes, row files, devices, errors, job logs,
and the code digests that let Snakemake rerun exactly the jobs whose code changed.

Stage packages: prepare/ (sources, ingest, cleaning), augment/ (augmentation, back-translation,
adversarial examples, training sets), robust_train/ (fine-tuning), evaluation/, report/.
"""
