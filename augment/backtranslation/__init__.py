"""Back-translation paraphrases: Apertium (offline) or MarianMT, through a persistent cache."""
