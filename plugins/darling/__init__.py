"""DARLING (Diversity-Aware RL, arXiv 2509.02534) as an envsdk group transform, with its classifiers.

Light to import: torch and transformers load only when a model-backed classifier is built.
"""

from .classifier import Classifier, EmbeddingClassifier, PairClassifier
from .classifiers import CLASSIFIERS, load_classifier
from .scoring import DarlingConfig, DarlingScorer, GroupScore
from .transform import DarlingTransform

__all__ = [
    "CLASSIFIERS",
    "Classifier",
    "DarlingConfig",
    "DarlingScorer",
    "DarlingTransform",
    "EmbeddingClassifier",
    "GroupScore",
    "PairClassifier",
    "load_classifier",
]
