"""Attack recipes composed from TextAttack components with local resources only.

TextFooler, BAE and BERT-Attack as shipped download embeddings, sentence encoders and models; the
`glove_swap` and `mlm_swap` recipes keep their transformation, constraints and search but use the
packaged GloVe vectors and a local masked LM; `embedding_swap` runs TextFooler's search over a local
encoder's word-piece embedding neighbours. Recipe settings: README, Attacks.
"""

from __future__ import annotations

from augment.attacks.constraints import swap_check, textattack_constraints
from augment.attacks.prefetch_search import prefetching_search
from models.pretrained import load_pretrained
from resources.wordnet import load_wordnet
from robustflow.recipes import RecipeSettings

TEXTFOOLER_SEARCH = "delete"


def _common_constraints(settings: RecipeSettings, stopwords=None) -> list:
    from textattack.constraints.overlap import MaxWordsPerturbed
    from textattack.constraints.pre_transformation import RepeatModification, StopwordModification

    constraints = [RepeatModification(), StopwordModification(stopwords=stopwords) if stopwords else StopwordModification()]
    if settings.max_perturbed_ratio is not None:
        constraints.append(MaxWordsPerturbed(max_percent=settings.max_perturbed_ratio))
    return constraints


def _deepwordbug(settings: RecipeSettings):
    from textattack.constraints.overlap import LevenshteinEditDistance
    from textattack.search_methods import GreedyWordSwapWIR
    from textattack.transformations import (
        CompositeTransformation,
        WordSwapNeighboringCharacterSwap,
        WordSwapRandomCharacterDeletion,
        WordSwapRandomCharacterInsertion,
        WordSwapRandomCharacterSubstitution,
    )

    transformation = CompositeTransformation([WordSwapNeighboringCharacterSwap(), WordSwapRandomCharacterSubstitution(),
                                              WordSwapRandomCharacterDeletion(), WordSwapRandomCharacterInsertion()])
    constraints = _common_constraints(settings) + [LevenshteinEditDistance(settings.max_edit_distance)]
    return transformation, constraints, GreedyWordSwapWIR("unk")


def _pruthi(settings: RecipeSettings):
    from textattack.constraints.overlap import MaxWordsPerturbed
    from textattack.constraints.pre_transformation import MinWordLength
    from textattack.search_methods import GreedySearch
    from textattack.transformations import (
        CompositeTransformation,
        WordSwapNeighboringCharacterSwap,
        WordSwapQWERTY,
        WordSwapRandomCharacterDeletion,
        WordSwapRandomCharacterInsertion,
    )

    kw = dict(random_one=False, skip_first_char=True, skip_last_char=True)
    transformation = CompositeTransformation([WordSwapNeighboringCharacterSwap(**kw), WordSwapRandomCharacterDeletion(**kw),
                                              WordSwapRandomCharacterInsertion(**kw), WordSwapQWERTY(**kw)])
    constraints = _common_constraints(settings) + [MinWordLength(min_length=4),
                                                   MaxWordsPerturbed(max_num_words=settings.max_words)]
    return transformation, constraints, GreedySearch()


def _pwws(settings: RecipeSettings):
    from textattack.search_methods import GreedyWordSwapWIR
    from textattack.transformations import WordSwapWordNet

    load_wordnet("the pwws recipe")
    import nltk

    download, nltk.download = nltk.download, lambda *args, **kwargs: False
    try:  # its constructor asks for omw-1.4 (other languages' WordNets); English needs none, offline fails loudly
        transformation = WordSwapWordNet()
    finally:
        nltk.download = download
    return transformation, _common_constraints(settings), GreedyWordSwapWIR("weighted-saliency")


def _neighbour_swap(settings: RecipeSettings, embedding):
    """TextFooler's transformation, embedding-distance constraint and search over ``embedding``."""
    from textattack.constraints.semantics import WordEmbeddingDistance
    from textattack.search_methods import GreedyWordSwapWIR
    from textattack.transformations import WordSwapEmbedding

    transformation = WordSwapEmbedding(max_candidates=settings.max_candidates, embedding=embedding)
    constraints = _common_constraints(settings) + [WordEmbeddingDistance(embedding=embedding,
                                                                         min_cos_sim=settings.min_cos_sim)]
    return transformation, constraints, GreedyWordSwapWIR(TEXTFOOLER_SEARCH)


def _glove_swap(settings: RecipeSettings):
    from augment.attacks.glove_embedding import glove_embedding

    return _neighbour_swap(settings, glove_embedding())


def _embedding_swap(settings: RecipeSettings):
    from augment.attacks.encoder_embedding import encoder_embedding

    return _neighbour_swap(settings, encoder_embedding(settings.embedding_model))


def _mlm_swap(settings: RecipeSettings):
    from textattack.search_methods import GreedyWordSwapWIR
    from textattack.transformations import WordSwapMaskedLM
    from transformers import AutoModelForMaskedLM

    tokenizer, model = load_pretrained(AutoModelForMaskedLM, settings.mlm, "the masked LM of mlm_swap",
                                       "set the recipe's `mlm` to a local folder with a masked-LM checkpoint (e.g. "
                                       "bert-base-uncased saved with save_pretrained), or a hub id when online.")
    transformation = WordSwapMaskedLM(method="bae", masked_language_model=model, tokenizer=tokenizer,
                                      max_candidates=settings.max_candidates, min_confidence=0.0,
                                      max_length=tokenizer.model_max_length if tokenizer.model_max_length < 10**6 else 512)
    return transformation, _common_constraints(settings), GreedyWordSwapWIR(TEXTFOOLER_SEARCH)


BUILDERS = {"deepwordbug": _deepwordbug, "pwws": _pwws, "glove_swap": _glove_swap, "mlm_swap": _mlm_swap,
            "embedding_swap": _embedding_swap, "pruthi": _pruthi}


def build_attack(settings: RecipeSettings, model_wrapper, model_batch_size: int):
    """A TextAttack Attack for a classification model from one recipe's validated settings. The model
    wrapper must score texts independently of their batch (FastClassifierWrapper): PWWS prefetches."""
    from augment.attacks.textattack_env import import_textattack

    textattack = import_textattack()
    from textattack.goal_functions import UntargetedClassification

    transformation, constraints, search = BUILDERS[settings.type](settings)
    constraints += textattack_constraints(swap_check(settings))  # last: the costliest check sees the fewest swaps
    if getattr(search, "wir_method", None) == "weighted-saliency":  # PWWS: same search, bigger model batches
        search = prefetching_search(search.wir_method)
    budget = settings.query_budget if settings.query_budget is not None else float("inf")
    goal = UntargetedClassification(model_wrapper, query_budget=budget, model_batch_size=model_batch_size)
    return textattack.Attack(goal, constraints, transformation, search)
