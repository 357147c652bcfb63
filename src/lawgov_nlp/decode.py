"""Sequence decoding: per-unit function scores of whole documents in, scores that respect the report's order out.

A linear-chain conditional random field over the units of a document. Its
emissions are the per-unit log-probabilities of the second stage (scaled by
one learned weight), its transitions two learned 5x5 matrices: one for a step
into a heading (where a report changes part: 成效 -> 不足 -> 原因 -> 安排) and
one for a step inside a part (where the function rarely changes). The output
is the posterior marginal of each unit's label (forward-backward), so scores
stay probabilities and the label is their argmax. Everything is numpy; the
weights are fitted by L-BFGS (scipy, at training time only) on out-of-fold
second-stage scores, so the chain learns how far to trust them on unseen
documents.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_FLOOR = 1e-4   # floor on emission probabilities before their log


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    m = a.max(axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return np.squeeze(m, axis=axis) + np.log(np.exp(a - m).sum(axis=axis))


def pad(P: np.ndarray, groups: Sequence[np.ndarray], heading: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Documents as padded arrays: log-emissions (D, L, k), mask (D, L), heading flags (D, L)."""
    D, L, k = len(groups), max((len(g) for g in groups), default=0), P.shape[1]
    E = np.zeros((D, L, k))
    M = np.zeros((D, L), dtype=bool)
    H = np.zeros((D, L), dtype=np.int64)
    logP = np.log(np.clip(P, _FLOOR, 1.0))
    for d, rows in enumerate(groups):
        n = len(rows)
        E[d, :n], M[d, :n], H[d, :n] = logP[rows], True, heading[rows]
    return E, M, H


def _forward_backward(E: np.ndarray, M: np.ndarray, H: np.ndarray, scale: float,
                      T: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log forward/backward tables (D, L, k) and log partition function (D,)."""
    D, L, k = E.shape
    S = scale * E
    alpha = np.full((D, L, k), -np.inf)
    beta = np.zeros((D, L, k))
    if L == 0:
        return alpha, beta, np.zeros(D)
    alpha[:, 0] = S[:, 0]
    for t in range(1, L):
        step = _logsumexp(alpha[:, t - 1, :, None] + T[H[:, t]], axis=1) + S[:, t]
        alpha[:, t] = np.where(M[:, t, None], step, alpha[:, t - 1])
    for t in range(L - 2, -1, -1):
        step = _logsumexp(T[H[:, t + 1]] + (S[:, t + 1] + beta[:, t + 1])[:, None, :], axis=2)
        beta[:, t] = np.where(M[:, t + 1, None], step, beta[:, t + 1])
    logZ = _logsumexp(alpha[:, L - 1], axis=1)
    return alpha, beta, logZ


def marginals(P: np.ndarray, groups: Sequence[np.ndarray], heading: np.ndarray,
              scale: float, T: np.ndarray) -> np.ndarray:
    """Posterior label marginals of every unit (rows of ``P``), documents given as row groups."""
    out = np.zeros_like(P, dtype=np.float64)
    if not len(P):
        return out
    E, M, H = pad(P, groups, heading)
    alpha, beta, logZ = _forward_backward(E, M, H, scale, T)
    post = np.exp(alpha + beta - logZ[:, None, None])
    post /= post.sum(axis=2, keepdims=True)
    for d, rows in enumerate(groups):
        out[rows] = post[d, :len(rows)]
    return out


def fit(P: np.ndarray, y: np.ndarray, groups: Sequence[np.ndarray], heading: np.ndarray,
        l2: float = 1.0) -> tuple[float, np.ndarray]:
    """Fit ``(scale, T)`` by maximum conditional likelihood with an L2 penalty on ``T``.

    ``y`` are class indices; ``T`` has shape ``(2, k, k)``: ``T[1]`` for a step
    into a heading, ``T[0]`` for any other step.
    """
    from scipy.optimize import minimize

    k = P.shape[1]
    E, M, H = pad(P, groups, heading)
    D, L, _ = E.shape
    Y = np.zeros((D, L), dtype=np.int64)
    for d, rows in enumerate(groups):
        Y[d, :len(rows)] = y[rows]
    gold_emit = np.take_along_axis(E, Y[:, :, None], axis=2)[:, :, 0] * M
    counts = np.zeros((2, k, k))
    step = M[:, 1:]
    np.add.at(counts, (H[:, 1:][step], Y[:, :-1][step], Y[:, 1:][step]), 1.0)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        scale, T = theta[0], theta[1:].reshape(2, k, k)
        alpha, beta, logZ = _forward_backward(E, M, H, scale, T)
        gold = scale * gold_emit.sum() + (counts * T).sum()
        nll = logZ.sum() - gold + 0.5 * l2 * (T * T).sum()
        # expected emission score and transition counts under the model
        post = np.exp(alpha + beta - logZ[:, None, None]) * M[:, :, None]
        g_scale = (post * E).sum() - gold_emit.sum()
        S = scale * E
        pair = (alpha[:, :-1, :, None] + T[H[:, 1:]] + (S[:, 1:] + beta[:, 1:])[:, :, None, :]
                - logZ[:, None, None, None])
        pair = np.exp(pair) * step[:, :, None, None]
        expected = np.zeros((2, k, k))
        for h in (0, 1):
            expected[h] = pair[H[:, 1:] == h].sum(axis=0)
        g_T = expected - counts + l2 * T
        return float(nll), np.concatenate([[g_scale], g_T.ravel()])

    theta0 = np.concatenate([[1.0], np.zeros(2 * k * k)])
    res = minimize(objective, theta0, jac=True, method="L-BFGS-B",
                   bounds=[(0.05, 5.0)] + [(None, None)] * (2 * k * k), options={"maxiter": 200})
    return float(res.x[0]), res.x[1:].reshape(2, k, k)


def groups_of(docs: Sequence[str], idx: Sequence[int]) -> list[np.ndarray]:
    """Row indices of each document (first-seen order), sorted by unit index."""
    by: dict[str, list[int]] = {}
    for row, d in enumerate(docs):
        by.setdefault(d, []).append(row)
    return [np.array(sorted(rows, key=lambda r: idx[r]), dtype=np.int64) for rows in by.values()]
