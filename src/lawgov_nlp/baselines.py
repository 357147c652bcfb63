"""Baselines the model is compared with, as ``fit_predict`` callables for
:func:`lawgov_nlp.evaluate.cross_validate`.

* :class:`UsualRecipe` - what a data scientist writes first:
  ``TfidfVectorizer(tokenizer=jieba.lcut)`` + ``LinearSVC`` on each sentence alone.
* :class:`RuleBaseline` - keyword and heading rules straight from the
  guideline's cue lists, no learning at all.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .corpus import GoldDocument
from .features import section_cue, topic_cues


class UsualRecipe:
    """Sentence-only TF-IDF over ``jieba.lcut`` tokens with linear SVMs."""

    def __call__(self, train: Sequence[GoldDocument], test: Sequence[GoldDocument]) -> tuple[list[str], np.ndarray]:
        import jieba
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.svm import LinearSVC

        from .model import topics_to_matrix

        texts = [r["text"] for d in train for r in d.records]
        test_texts = [r["text"] for d in test for r in d.records]
        fun = make_pipeline(TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None), LinearSVC())
        fun.fit(texts, [f for d in train for f in d.functions])
        top = make_pipeline(TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None),
                            OneVsRestClassifier(LinearSVC()))
        top.fit(texts, topics_to_matrix([t for d in train for t in d.topics]))
        return list(fun.predict(test_texts)), top.predict(test_texts)


_CUES = (
    ("other", re.compile(r"报告如下|^\d{4}[.\-年]\d{1,2}[.\-月]\d{0,2}日?$")),
    ("cause", re.compile(r"原因|由于|导致")),
    ("problem", re.compile(r"不足|有待|不够|仍然存在|仍存在|短板|薄弱|欠缺|不到位|不平衡")),
    ("plan", re.compile(r"^(?:下一步|下步|今后|明年)|将|要|进一步|计划")),
)


class RuleBaseline:
    """Heading structure first (rules 1, 3), then the guideline's cue words."""

    def __call__(self, train: Sequence[GoldDocument], test: Sequence[GoldDocument]) -> tuple[list[str], np.ndarray]:
        functions, topics = [], []
        for d in test:
            for u in d.units():
                label = section_cue(u)
                if not label:
                    label = next((lab for lab, pat in _CUES if pat.search(u.text)), "achievement")
                functions.append(label)
                topics.append([int(c > 0) for c in topic_cues(u.text)])
        return functions, np.array(topics, dtype=int).reshape(-1, 3)
