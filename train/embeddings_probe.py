"""Do static multilingual word embeddings add to the character n-grams? (docs/notices.md, "What was tried").

A whole-line classifier, trained on the train split and scored on the dev split: kind recall at 3, 5 and 10 %
of dev negatives with a finding, for character 3-5-gram TF-IDF, WordLlama's mean-pooled token embeddings, and
both. Needs what the project does not install: ``pip install wordllama tokenizers safetensors``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "notices" / "real"


def read(split: str) -> tuple[list[str], np.ndarray]:
    rows = [json.loads(line) for line in (REAL / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]
    return [r["text"] for r in rows], np.array(["none" if r["label"] == "negative" else r["label"] for r in rows])


def embedder():
    """WordLlama's table and tokenizer, loaded from the wheel (its ``load()`` asks a hub for the tokenizer)."""
    import wordllama
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    home = Path(wordllama.__file__).parent
    tok = Tokenizer.from_file(str(home / "tokenizers" / "l2_supercat_tokenizer_config.json"))
    table = load_file(str(home / "weights" / "l2_supercat_256.safetensors"))["embedding.weight"].astype(np.float32)

    def embed(texts: list[str]) -> np.ndarray:
        out = []
        for enc in tok.encode_batch(texts):
            v = table[enc.ids[1:] or [0]].mean(0)
            out.append(v / (np.linalg.norm(v) + 1e-9))
        return np.array(out)

    return embed


def recall_at(model, x_dev, y_dev: np.ndarray, fps=(0.03, 0.05, 0.10)) -> list[float]:
    probs = model.predict_proba(x_dev)
    classes = model.classes_
    probs[:, list(classes).index("none")] = -1
    best, score = classes[probs.argmax(1)], probs.max(1)
    neg = y_dev == "none"
    out = []
    for fp in fps:
        bar = np.quantile(score[neg], 1 - fp)
        out.append(float(((score > bar) & (best == y_dev) & ~neg).sum() / (~neg).sum()))
    return out


def main() -> None:
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    (t_train, y_train), (t_dev, y_dev) = read("train"), read("dev")
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True)
    c_train, c_dev = vec.fit_transform(t_train), vec.transform(t_dev)
    embed = embedder()
    e_train, e_dev = embed(t_train), embed(t_dev)
    setups = {"char n-grams": (c_train, c_dev, 16), "embeddings": (e_train, e_dev, 4)}
    for w in (1.0, 3.0):
        setups[f"both (embeddings x{w:g})"] = (hstack([c_train, csr_matrix(e_train * w)]).tocsr(),
                                               hstack([c_dev, csr_matrix(e_dev * w)]).tocsr(), 16)
    for name, (a, b, c) in setups.items():
        model = LogisticRegression(C=c, max_iter=3000).fit(a, y_train)
        print(f"{name:28s} kind recall at 3/5/10 % negatives: " + " / ".join(f"{r:.3f}"
                                                                            for r in recall_at(model, b, y_dev)))


if __name__ == "__main__":
    main()
