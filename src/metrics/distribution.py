"""Distribution metrics on embeddings: FID/FCD, MMD, Diversity, MultiModality, R-precision (SPEC §4).

All functions are pure: they accept torch tensors or numpy arrays, compute in numpy float64 and
return Python floats or dicts of floats. Random pair sampling uses a seeded numpy generator.
"""

import numpy as np
from scipy import linalg


def _as_2d(x, name: str) -> np.ndarray:
    """Torch tensor / array-like -> (N, D) float64 numpy array (asserts 2-D)."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    x = np.asarray(x, dtype=np.float64)
    assert x.ndim == 2, f"{name}: expected (N, D), got shape {x.shape}"
    return x


def _pairwise_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, D), (M, D) -> (N, M) Euclidean distances."""
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))


def _random_pairs(n: int, num_pairs: int, rng: np.random.Generator):
    """num_pairs index pairs (i, j) with i != j, uniform over ordered pairs of range(n)."""
    assert n >= 2, f"need at least 2 points for pairs, got {n}"
    i = rng.integers(0, n, size=num_pairs)
    j = rng.integers(0, n - 1, size=num_pairs)
    j = j + (j >= i)
    return i, j


def frechet_distance(a, b) -> float:
    """Fréchet distance between Gaussians fitted to two embedded sets.

    ``|mu1 - mu2|^2 + Tr(S1 + S2 - 2 sqrt(S1 S2))`` with unbiased (ddof=1) covariances.
    FID (motion-evaluator embeddings of generated vs real motions) and FCD (the motion encoder's
    text-aligned embeddings of generated vs real motions) are both this function, on different
    embeddings. The matrix square root uses scipy.linalg.sqrtm; if it is not finite, 1e-6 is added
    to both diagonals (as in pytorch-fid); tiny imaginary parts are discarded.

    Args:
        a: (N, D) embeddings, N >= 2.
        b: (M, D) embeddings, M >= 2, same D.
    Returns:
        float distance (>= 0 up to numerical error).
    """
    a, b = _as_2d(a, "a"), _as_2d(b, "b")
    assert a.shape[1] == b.shape[1], f"dimension mismatch {a.shape} vs {b.shape}"
    if a.shape[0] < 2 or b.shape[0] < 2:
        raise ValueError(f"frechet_distance needs >= 2 samples per set, got {a.shape[0]} and {b.shape[0]}")
    mu1, mu2 = a.mean(0), b.mean(0)
    s1 = np.atleast_2d(np.cov(a, rowvar=False))
    s2 = np.atleast_2d(np.cov(b, rowvar=False))
    covmean = linalg.sqrtm(s1 @ s2)
    if not np.isfinite(covmean).all():
        eps = np.eye(s1.shape[0]) * 1e-6
        covmean = linalg.sqrtm((s1 + eps) @ (s2 + eps))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"sqrtm has a large imaginary component {np.abs(covmean.imag).max()}")
        covmean = covmean.real
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * np.trace(covmean))


def median_heuristic_sigma(a, b) -> float:
    """Median of pairwise Euclidean distances over the pooled set, diagonal excluded.

    Args:
        a: (N, D), b: (M, D) embeddings.
    Returns:
        float sigma.
    """
    a, b = _as_2d(a, "a"), _as_2d(b, "b")
    z = np.concatenate([a, b], 0)
    d = _pairwise_dist(z, z)
    iu = np.triu_indices(len(z), k=1)
    return float(np.median(d[iu]))


def mmd(a, b, sigma=None) -> dict:
    """Unbiased MMD^2 with a Gaussian kernel ``k(x, y) = exp(-|x - y|^2 / (2 sigma^2))``.

    ``MMD^2 = sum_{i!=j} k(a_i,a_j)/(N(N-1)) + sum_{i!=j} k(b_i,b_j)/(M(M-1)) - 2 mean k(a_i,b_j)``;
    it can be slightly negative when the distributions match. With ``sigma=None`` the bandwidth is
    the median heuristic (``median_heuristic_sigma``). The original SMoG's compatibility column
    (sigma 0.07, text vs motion) is ``mmd(text_emb, motion_emb, sigma=0.07)``.

    Args:
        a: (N, D) embeddings, N >= 2 (e.g. generated motions).
        b: (M, D) embeddings, M >= 2 (e.g. real motions).
        sigma: kernel bandwidth or None.
    Returns:
        {"mmd": MMD^2, "sigma": bandwidth used}.
    """
    a, b = _as_2d(a, "a"), _as_2d(b, "b")
    assert a.shape[1] == b.shape[1], f"dimension mismatch {a.shape} vs {b.shape}"
    n, m = len(a), len(b)
    if n < 2 or m < 2:
        raise ValueError(f"mmd needs >= 2 samples per set, got {n} and {m}")
    if sigma is None:
        sigma = median_heuristic_sigma(a, b)
    sigma = float(sigma)
    assert sigma > 0, f"sigma must be positive, got {sigma}"

    def k(x, y):
        return np.exp(-_pairwise_dist(x, y) ** 2 / (2.0 * sigma ** 2))

    kaa, kbb, kab = k(a, a), k(b, b), k(a, b)
    xx = (kaa.sum() - np.trace(kaa)) / (n * (n - 1))
    yy = (kbb.sum() - np.trace(kbb)) / (m * (m - 1))
    return {"mmd": float(xx + yy - 2.0 * kab.mean()), "sigma": sigma}


def diversity(emb, num_pairs: int = 300, seed: int = 0) -> float:
    """Mean Euclidean distance of ``num_pairs`` random pairs (i != j) of embeddings.

    Args:
        emb: (N, D) generated embeddings, N >= 2.
        num_pairs: number of pairs (sampled with replacement).
        seed: numpy generator seed.
    Returns:
        float mean distance.
    """
    emb = _as_2d(emb, "emb")
    i, j = _random_pairs(len(emb), num_pairs, np.random.default_rng(seed))
    return float(np.linalg.norm(emb[i] - emb[j], axis=1).mean())


def multimodality(groups, num_pairs: int = 10, seed: int = 0) -> float:
    """Per group (generations of one text), mean distance of ``num_pairs`` random pairs; averaged over groups.

    Args:
        groups: list of (K_i, D) embeddings, K_i >= 2, same D.
        num_pairs: pairs per group.
        seed: one numpy generator seeded once and used for all groups in order.
    Returns:
        float mean over groups.
    """
    assert len(groups) > 0, "multimodality needs at least one group"
    rng = np.random.default_rng(seed)
    vals, dim = [], None
    for g_idx, g in enumerate(groups):
        g = _as_2d(g, f"groups[{g_idx}]")
        dim = g.shape[1] if dim is None else dim
        assert g.shape[1] == dim, f"groups[{g_idx}] dimension {g.shape[1]} != {dim}"
        i, j = _random_pairs(len(g), num_pairs, rng)
        vals.append(np.linalg.norm(g[i] - g[j], axis=1).mean())
    return float(np.mean(vals))


def r_precision(text_emb, motion_emb, batch: int = 32, top_k=(1, 2, 3), seed: int = 0) -> dict:
    """R-precision and MM-Dist, HumanML3D protocol as its reference code computes it (SPEC §4).

    Pairs are shuffled (seeded) and split into batches of exactly ``batch`` (the remainder is
    dropped). In each batch the Euclidean distance matrix has the **texts as rows**, as in
    EricGuo5513/text-to-motion ``final_evaluations.py`` (reused by MDM, MLD, MoMask): a text
    scores top-k when fewer than k of the batch's motions are strictly closer to it than its own
    (ties count in its favour). The paper's prose describes the other direction, which gives other
    numbers; ``r_precision(motion_emb, text_emb)`` is that motion->text variant (label it so).
    MM-Dist is the mean distance text <-> own motion over all pairs (remainder included).

    Args:
        text_emb: (N, D) text embeddings (the rows); pair i is (text_emb[i], motion_emb[i]).
        motion_emb: (N, D) motion embeddings (ranked for each text), N >= batch.
        batch: batch size (32 in the protocol).
        top_k: ks to report.
        seed: numpy generator seed for the shuffle.
    Returns:
        {"top1": .., "top2": .., "top3": .., "mm_dist": ..} (fractions in [0, 1]).
    """
    t, mo = _as_2d(text_emb, "text_emb"), _as_2d(motion_emb, "motion_emb")
    assert t.shape == mo.shape, f"text_emb {t.shape} and motion_emb {mo.shape} must match"
    n = len(t)
    if n < batch:
        raise ValueError(f"r_precision needs at least {batch} pairs, got {n}")
    perm = np.random.default_rng(seed).permutation(n)
    hits = {k: 0 for k in top_k}
    count = 0
    for start in range(0, n - batch + 1, batch):
        idx = perm[start:start + batch]
        d = _pairwise_dist(t[idx], mo[idx])  # (batch, batch): row = text, column = motion
        closer = (d < np.diag(d)[:, None]).sum(1)  # motions strictly closer to each text than its own
        for k in top_k:
            hits[k] += int((closer < k).sum())
        count += batch
    out = {f"top{k}": hits[k] / count for k in top_k}
    out["mm_dist"] = float(np.linalg.norm(mo - t, axis=1).mean())
    return out
