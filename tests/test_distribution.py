"""Tests for src/metrics/distribution.py (SPEC §4 distribution metrics)."""

import math

import numpy as np
import pytest
import torch

from src.metrics.distribution import (diversity, frechet_distance, median_heuristic_sigma, mmd,
                                    multimodality, r_precision)


def _gauss(n, d, seed, mean=0.0, std=1.0):
    return np.random.default_rng(seed).normal(mean, std, size=(n, d))


def test_frechet_self_is_zero_and_shift_is_squared_norm():
    a = _gauss(20000, 4, 0)
    assert abs(frechet_distance(a, a)) < 1e-6
    shift = np.array([1.0, -2.0, 0.5, 0.0])
    b = _gauss(20000, 4, 1) + shift
    assert frechet_distance(a, b) == pytest.approx(float(shift @ shift), abs=0.1)
    # identical samples shifted exactly: covariance terms cancel exactly
    assert frechet_distance(a, a + shift) == pytest.approx(float(shift @ shift), abs=1e-6)


def test_frechet_diagonal_closed_form_and_symmetry():
    s1, s2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 1.0])
    mu2 = np.array([0.5, 0.0, -1.0])
    a = _gauss(50000, 3, 2) * np.sqrt(s1)
    b = _gauss(50000, 3, 3) * np.sqrt(s2) + mu2
    expected = float(mu2 @ mu2 + ((np.sqrt(s1) - np.sqrt(s2)) ** 2).sum())  # = 6.5
    fd = frechet_distance(torch.from_numpy(a), b)  # torch and numpy accepted
    assert fd == pytest.approx(expected, rel=0.03)
    assert frechet_distance(b, a) == pytest.approx(fd, rel=1e-6)


def test_frechet_errors():
    with pytest.raises(ValueError):
        frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(AssertionError):
        frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(AssertionError):
        frechet_distance(np.zeros(5), np.zeros((5, 1)))


def test_mmd_same_vs_shifted():
    a, b = _gauss(400, 8, 4), _gauss(400, 8, 5)
    same = mmd(a, b)
    shifted = mmd(a, b + 1.0)
    assert abs(same["mmd"]) < 0.01
    assert shifted["mmd"] > 0.1
    assert shifted["mmd"] > 10 * abs(same["mmd"])
    assert same["sigma"] > 0


def test_median_heuristic_hand_computed():
    a, b = np.array([[0.0], [1.0]]), np.array([[3.0]])
    # pooled pairwise distances: |0-1|=1, |0-3|=3, |1-3|=2 -> median 2
    assert median_heuristic_sigma(a, b) == pytest.approx(2.0)
    # mmd(sigma=None) uses it: pooled {0, 1, 3, 3} -> distances 1, 3, 3, 2, 2, 0 -> median 2
    assert mmd(a, np.array([[3.0], [3.0]]))["sigma"] == pytest.approx(2.0)


def test_mmd_unbiased_hand_computed():
    a = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    b = np.array([[1.0, 1.0], [2.0, 0.0], [0.0, -1.0]])
    sigma = 1.5

    def k(x, y):
        return math.exp(-sum((xi - yi) ** 2 for xi, yi in zip(x, y)) / (2 * sigma ** 2))

    xx = sum(k(a[i], a[j]) for i in range(3) for j in range(3) if i != j) / 6
    yy = sum(k(b[i], b[j]) for i in range(3) for j in range(3) if i != j) / 6
    xy = sum(k(a[i], b[j]) for i in range(3) for j in range(3)) / 9
    out = mmd(torch.tensor(a), b, sigma=sigma)
    assert out["sigma"] == sigma
    assert out["mmd"] == pytest.approx(xx + yy - 2 * xy, abs=1e-12)
    # the unbiased estimator differs from the biased one (diagonal included)
    assert out["mmd"] != pytest.approx(xx * 6 / 9 + 1 / 3 + yy * 6 / 9 + 1 / 3 - 2 * xy)
    with pytest.raises(ValueError):
        mmd(a[:1], b)


def test_diversity():
    assert diversity(np.ones((10, 5))) == 0.0
    two = np.array([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0]])
    assert diversity(two, num_pairs=50) == pytest.approx(5.0)  # i != j: every pair has distance 5
    x = _gauss(100, 4, 6)
    assert diversity(x, seed=1) == diversity(x, seed=1)
    with pytest.raises(AssertionError):
        diversity(np.zeros((1, 3)))
    with pytest.raises(AssertionError):
        diversity(np.zeros(10))


def test_multimodality():
    groups = [np.zeros((30, 4)), np.ones((30, 4))]
    assert multimodality(groups) == 0.0
    g1 = np.array([[0.0, 0.0], [3.0, 4.0]])  # distance 5
    g2 = np.array([[1.0, 1.0], [1.0, 2.0]])  # distance 1
    assert multimodality([g1, g2]) == pytest.approx(3.0)
    with pytest.raises(AssertionError):
        multimodality([g1, np.zeros((2, 3))])
    with pytest.raises(AssertionError):
        multimodality([])


def test_r_precision_perfect_and_chance():
    emb = _gauss(200, 16, 7)
    out = r_precision(emb, torch.from_numpy(emb.copy()))
    assert out["top1"] == out["top2"] == out["top3"] == 1.0
    assert out["mm_dist"] == pytest.approx(0.0)
    t, m = _gauss(640, 16, 8), _gauss(640, 16, 9)
    rnd = r_precision(t, m, seed=0)
    assert 0.0 <= rnd["top1"] <= 0.15  # chance is 1/32
    assert rnd["top1"] <= rnd["top2"] <= rnd["top3"] <= 0.3
    assert rnd["mm_dist"] == pytest.approx(np.linalg.norm(t - m, axis=1).mean())


def test_r_precision_ranking_and_shapes():
    # own partner is the 2nd closest for every pair but the last: top1 = 1/32, top2 = 1 (both orientations)
    m = np.arange(32, dtype=float)[:, None] * 10.0
    t = m + 6.0
    # text i (10i + 6): own motion at distance 6, motion i+1 at distance 4; text 31 has no i+1 -> own is closest
    out = r_precision(t, m)
    assert out["top1"] == pytest.approx(1 / 32)
    assert out["top2"] == 1.0
    with pytest.raises(AssertionError):
        r_precision(np.zeros((40, 3)), np.zeros((40, 4)))
    with pytest.raises(ValueError):
        r_precision(np.zeros((31, 3)), np.zeros((31, 3)))


def test_r_precision_ranks_motions_for_each_text():
    # 1-D, one batch of 3: every text's own motion is its nearest motion, but motion 1 (0.45) is
    # nearer text 0 (0.45) than its own text 1 (0.55). Texts as rows: 3/3; motions as rows: 2/3.
    t = np.array([[0.0], [1.0], [10.0]])
    m = np.array([[0.4], [0.45], [10.0]])
    assert r_precision(t, m, batch=3, top_k=(1,))["top1"] == 1.0
    assert r_precision(m, t, batch=3, top_k=(1,))["top1"] == pytest.approx(2 / 3)  # the motion->text variant


def _reference_r_precision(text, motion, batches):
    """A transcription of EricGuo5513/text-to-motion's final_evaluations.py (evaluate_matching_score
    with utils/metrics.py's euclidean_distance_matrix and calculate_top_k), over given index batches."""
    top_k_count, all_size = np.zeros(3), 0
    for idx in batches:
        t, m = text[idx], motion[idx]
        dist_mat = np.sqrt(-2 * t @ m.T + (t ** 2).sum(1, keepdims=True) + (m ** 2).sum(1))  # texts as rows
        argsmax = np.argsort(dist_mat, axis=1)
        bool_mat = argsmax == np.arange(len(idx))[:, None]
        top_k_count += np.cumsum(bool_mat[:, :3], axis=1).astype(bool).sum(0)
        all_size += len(idx)
    return top_k_count / all_size


def test_r_precision_reproduces_the_reference_code():
    rng = np.random.default_rng(3)
    text = rng.normal(size=(100, 8))
    motion = text + rng.normal(scale=1.2, size=text.shape)  # noisy partners: top-k well inside (0, 1)
    out = r_precision(text, motion, seed=5)
    perm = np.random.default_rng(5).permutation(100)
    expected = _reference_r_precision(text, motion, [perm[s:s + 32] for s in (0, 32, 64)])
    assert [out["top1"], out["top2"], out["top3"]] == pytest.approx(expected.tolist())
    swapped = _reference_r_precision(motion, text, [perm[s:s + 32] for s in (0, 32, 64)])
    assert not np.allclose(expected, swapped)  # the orientations differ on these embeddings
    assert 0.05 < out["top1"] < 0.95


def test_retrieval_ranks_count_a_duplicate_caption_as_a_hit():
    from src.metrics.retrieval import ranks, recall_metrics

    # query 0's own item is ranked 3rd, but the 2nd item shares its caption; query 1's own is 1st;
    # query 2's own is last, behind an item with another caption
    sim = torch.tensor([[0.9, 0.1, 0.5, 0.8],
                        [0.1, 0.9, 0.2, 0.3],
                        [0.8, 0.9, 0.1, 0.7]])
    keys = ["walk", "jump", "walk", "wave"]
    assert ranks(sim, keys[:3], keys).tolist() == [1, 1, 2]  # 0: itself first; 2: "walk" item 0 second
    assert ranks(sim, ["a", "b", "c"], ["a", "b", "c", "d"]).tolist() == [1, 1, 4]
    metrics = recall_metrics(sim, ["a", "b", "c"], ["a", "b", "c", "d"], ks=(1, 3))
    assert metrics["R@1"] == pytest.approx(200 / 3) and metrics["R@3"] == pytest.approx(200 / 3)
    assert metrics["MedR"] == 1.0
