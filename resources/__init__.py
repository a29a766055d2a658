"""Offline language resources built from registry packages: WordNet, stop words, GloVe, the
part-of-speech tagger and polarity lexicons. Below models/ (the smoothing defence draws from them)
and augment/ (augmenters and attacks)."""
