"""The scorer's feature keys are the ones the shipped weights were trained on, however they are computed.

The keys are hashes: a faster way of computing them that changed one key would leave every test of the
scorer's behaviour running, on features the weights never saw. The digests below were taken from the
implementation the weights were trained with (before the n-grams were tagged and sorted in one array).
"""

from __future__ import annotations

import hashlib

import numpy as np

from compliance.detect.features import keys_many, normalise, sentence_keys, text_keys
from compliance.detect.scorer import Scorer
from tests.test_notice_scorer import WEIGHTS

TEXTS = ["© 2024 Example Media GmbH. Alle Rechte vorbehalten.", "Foto: dpa", "Все права защищены.", "x", "",
         "转载请注明出处 (AP)"]
NAMED = [["slot:RIGHT", "len:1"], [], ["frame:copyright"], [], ["len:0"], ["shape"]]


def _digest(*arrays: np.ndarray) -> str:
    return hashlib.sha256(b"".join(a.tobytes() for a in arrays)).hexdigest()


def test_keys_are_those_the_weights_were_trained_on():
    keys, owners = keys_many(TEXTS, NAMED)
    assert _digest(keys, owners.astype(np.int64)) == "62e460b412b7c7803abb43e986ce254185a9e4b3a56468637a8630810cacf8d8"
    assert _digest(*(sentence_keys(t, n) for t, n in zip(TEXTS, NAMED, strict=True))) == \
        "6c2425170f315881e9d292ac48cfa8c2c91e00075d1cbec457269a17a629e3d6"
    assert _digest(*(text_keys(normalise(t)) for t in TEXTS)) == \
        "045209d0de292de7ee9a209436fcf65330815955843e52818b0d5c01b5872d72"


def test_a_batch_holds_each_sentence_keys():
    keys, owners = keys_many(TEXTS, NAMED)
    for i, (text, named) in enumerate(zip(TEXTS, NAMED, strict=True)):
        assert keys[owners == i].tolist() == sentence_keys(text, named).tolist()


def test_one_sentence_scores_as_in_a_batch_bit_for_bit():
    scorer = Scorer.load(WEIGHTS)
    keys, owners = keys_many(TEXTS, NAMED)
    batch = scorer.probabilities_many(keys, owners, len(TEXTS))
    for i, (text, named) in enumerate(zip(TEXTS, NAMED, strict=True)):
        assert batch[i].tobytes() == scorer.probabilities(sentence_keys(text, named)).tobytes()
