"""Training sets beyond the clean split (rules/trainsets.smk): clean + merged augmentation rows,
and clean + successful attacks on training rows."""
