"""Offline language resources built from registry packages: WordNet, stop words, GloVe."""
