"""The trained notice scorer: a small model over sentence features, one probability per kind.

The weights file (``rules/models/notice-scorer.npz``, written by ``train/notices.py``) holds the
sorted feature keys the model knows and their weights (float16): per class for a linear model, or per unit
of one hidden ReLU layer followed by a small dense layer to the classes (``out_weights``, ``out_bias``: a
one-layer perceptron, which separates notices from sentences *about* notices better at a low false-alarm
rate than the linear model, docs/notices.md); the biases, the class names
and the decision policy chosen on the dev split: per kind, the probability a scorer finding needs;
the "no notice" probability that vetoes a frame's finding; and the one that vetoes a rule's finding
(sentences that explain or report notices, which rules written for phrasings cannot tell apart).
Loading is one ``numpy.load`` of an uncompressed file (a few ms: float16 does not compress, and
inflating cost ~35 ms); scoring a sentence is a table lookup and a sum over its known keys (then, with a
hidden layer, one small matrix product).

A missing or damaged file is an error naming it (exit 2), never a silent fall-back to rules only:
a user who asked for the model must not get less without being told.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from compliance.detect.features import BITS
from compliance.errors import RuleError

NONE = "none"  # the class of a sentence that is no notice
_FIRST = np.zeros(1, dtype=np.intp)  # reduceat's one segment, from row 0


@dataclass
class Scorer:
    keys: np.ndarray  # uint32, sorted
    weights: np.ndarray  # float16 [len(keys), width]: width = classes, or the hidden layer's units
    bias: np.ndarray  # float32 [width]
    classes: list[str]
    thresholds: dict[str, float]  # kind -> minimum probability on its own
    frame_veto: float  # a frame's finding stands unless "no notice" has this probability
    veto: float  # a rule finding whose sentence reads as no notice with this probability is dropped
    meta: dict
    frame_vetoes: dict[str, float] = field(default_factory=dict)  # per kind, overriding frame_veto
    vetoes: dict[str, float] = field(default_factory=dict)  # per kind of rule finding, overriding veto
    out_weights: np.ndarray | None = None  # float32 [hidden, classes]: a hidden ReLU layer, when present
    out_bias: np.ndarray | None = None  # float32 [classes]

    @classmethod
    def load(cls, path: str | Path) -> Scorer:
        """Read a weights file; any problem is a :class:`RuleError` naming the file."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                keys = data["keys"].astype(np.uint32)
                weights = data["weights"]  # float16: rows are widened only when a sentence uses them
                bias = data["bias"].astype(np.float32)
                meta = json.loads(str(data["meta"]))
                hidden = "out_weights" in data.files
                out_w = data["out_weights"].astype(np.float32) if hidden else None
                out_b = data["out_bias"].astype(np.float32) if hidden else None
        except FileNotFoundError:
            raise RuleError("the notice scorer's weights file is missing (reinstall, retrain with "
                            "`python train/notices.py`, or run with --no-model)", str(path)) from None
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, json.JSONDecodeError, EOFError) as err:
            raise RuleError(f"the notice scorer's weights file is damaged ({type(err).__name__}: {err}); "
                            "retrain with `python train/notices.py` or run with --no-model", str(path)) from None
        classes = list(meta.get("classes", []))
        width = out_w.shape[0] if out_w is not None and out_w.ndim == 2 else len(classes)
        if (weights.ndim != 2 or weights.shape != (len(keys), width) or bias.shape != (width,)
                or (out_w is not None and (out_w.shape != (width, len(classes)) or out_b.shape != (len(classes),)
                                           or not np.all(np.isfinite(out_w))))
                or NONE not in classes or not np.all(np.isfinite(weights)) or not np.all(keys[1:] > keys[:-1])
                or (len(keys) and int(keys[-1]) >= 1 << BITS)):
            raise RuleError("the notice scorer's weights file is damaged (shapes or keys do not fit); "
                            "retrain with `python train/notices.py` or run with --no-model", str(path))
        return cls(keys, weights, bias, classes, dict(meta.get("thresholds", {})),
                   float(meta.get("frame_veto", 2.0)), float(meta.get("veto", 1.01)), meta,
                   {str(k): float(v) for k, v in dict(meta.get("frame_vetoes", {})).items()},
                   {str(k): float(v) for k, v in dict(meta.get("vetoes", {})).items()}, out_w, out_b)

    def __post_init__(self) -> None:
        # key -> weight row, or -1: one array lookup per key (16 MB for 22-bit keys; a binary search per
        # key cost more than the rest of the scoring)
        self.rows = np.full(1 << BITS, -1, dtype=np.int32)
        self.rows[self.keys] = np.arange(len(self.keys), dtype=np.int32)
        self._wide: np.ndarray | None = None  # the weights as float32, made on first scoring (~6 MB)

    def _widen(self) -> np.ndarray:
        self._wide = self.weights.astype(np.float32)
        return self._wide

    def veto_for(self, kind: str) -> float:
        """The "no notice" probability at which a rule finding of ``kind`` is dropped (> 1: never). Per kind,
        since the rules' false alarms gather in a few kinds (copyright words and text-and-data-mining
        reservations in sentences that explain the law) while a provenance line must never be vetoed."""
        return self.vetoes.get(kind, self.veto)

    @property
    def may_veto(self) -> bool:
        """Whether any rule finding can be vetoed (otherwise the sentences around them are not looked up)."""
        return self.veto <= 1 or any(v <= 1 for v in self.vetoes.values())

    def known_share(self, keys: np.ndarray) -> float:
        """Share of ``keys`` (a sentence's n-gram keys) the model was trained on: near 0 for a script it never
        saw, whose probabilities are then only its biases."""
        return float(np.count_nonzero(np.take(self.rows, keys) >= 0)) / len(keys) if len(keys) else 0.0

    def probabilities(self, keys: np.ndarray) -> np.ndarray:
        """Softmax over the classes for one sentence's feature keys (unique, any order)."""
        return self.probabilities_many(keys, np.zeros(len(keys), dtype=np.intp), 1)[0]

    def probabilities_many(self, keys: np.ndarray, owners: np.ndarray, n: int) -> np.ndarray:
        """Softmax rows for ``n`` sentences at once: ``keys`` unique per sentence, ``owners`` sorted (the
        sentence of each key, as :func:`compliance.detect.features.keys_many` returns them)."""
        rows = np.take(self.rows, keys)
        known = rows >= 0
        rows = rows[known]
        logits = np.repeat(self.bias[None, :], n, axis=0)
        if len(rows):
            # np.take of float32 rows: a quarter of the time of fancy indexing the float16 ones and widening
            # them (the same values: float16 -> float32 is exact), the gather being most of the scoring
            wide = self._wide if self._wide is not None else self._widen()
            if n == 1:  # most calls (a document's one or two sentences): no per-sentence bookkeeping
                logits += np.add.reduceat(np.take(wide, rows, axis=0), _FIRST, axis=0) \
                    / np.sqrt(np.array([len(rows)]))[:, None]
            else:
                owners = owners[known]
                counts = np.bincount(owners, minlength=n)
                starts = np.flatnonzero(counts)
                sums = np.add.reduceat(np.take(wide, rows, axis=0), np.searchsorted(owners, starts), axis=0)
                logits[starts] += sums / np.sqrt(counts[starts])[:, None]
        if self.out_weights is not None:  # one hidden ReLU layer: the sum above is its input
            logits = np.maximum(logits, 0.0) @ self.out_weights + self.out_bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def decide(self, probs: np.ndarray, framed: set[str]) -> list[tuple[str, float]]:
        """``(kind, probability)`` the scorer stands for: each kind a frame named, unless the sentence reads
        as no notice with probability ``frame_veto`` (that kind's own, when the policy set one: a credit frame
        on a short line is surer than a ban frame in running prose); and the most probable kind when it
        clears its own threshold (set on dev for precision)."""
        none = self.classes.index(NONE)
        out = {}
        for kind in framed:
            if probs[none] < self.frame_vetoes.get(kind, self.frame_veto):
                out[kind] = float(probs[self.classes.index(kind)])
        kinds = [i for i in range(len(self.classes)) if i != none]
        best = max(kinds, key=lambda i: probs[i])
        kind = self.classes[best]
        if probs[best] >= self.thresholds.get(kind, 1.01):
            out[kind] = float(probs[best])
        return sorted(out.items(), key=lambda item: -item[1])
