"""Retrieval ranks and recalls between two embedded sets (SPEC §4).

Duplicate captions: a retrieved item counts as a hit when its caption string equals the
query's, so identical captions of different motions are not counted as misses.
"""

import torch


def ranks(similarity: torch.Tensor, query_keys: list, item_keys: list) -> torch.Tensor:
    """Rank (1 = best) of the first correct item for each query.

    Args:
        similarity: (Q, I) higher = more similar; query q's ground truth is item q.
        query_keys, item_keys: captions used to detect duplicates (length Q and I).
    Returns:
        (Q,) long ranks.
    """
    assert similarity.shape == (len(query_keys), len(item_keys)), similarity.shape
    assert len(query_keys) <= len(item_keys), "query q's ground truth is item q"
    ids = {key: k for k, key in enumerate(dict.fromkeys(list(query_keys) + list(item_keys)))}
    query_ids = torch.tensor([ids[key] for key in query_keys])
    item_ids = torch.tensor([ids[key] for key in item_keys])
    order = similarity.argsort(dim=1, descending=True)  # (Q, I)
    correct = (item_ids[order] == query_ids[:, None]) | (order == torch.arange(len(query_keys))[:, None])
    return correct.int().argmax(dim=1) + 1  # the first correct position (every row has one: item q)


def recall_metrics(similarity: torch.Tensor, query_keys: list, item_keys: list, ks=(1, 2, 3, 5, 10)) -> dict:
    """R@k in percent and the median rank."""
    r = ranks(similarity, query_keys, item_keys).float()
    metrics = {f"R@{k}": float((r <= k).float().mean() * 100) for k in ks}
    metrics["MedR"] = float(r.median())
    return metrics


def batched_recall_metrics(text_emb: torch.Tensor, motion_emb: torch.Tensor, texts: list, batch: int = 32,
                           seed: int = 0, ks=(1, 2, 3, 5, 10)) -> dict:
    """Text-to-motion recalls averaged over shuffled batches of ``batch`` pairs (SPEC §4 protocol b)."""
    n = len(texts)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    results = []
    for start in range(0, n - batch + 1, batch):
        idx = perm[start:start + batch]
        keys = [texts[i] for i in idx.tolist()]
        sim = cosine_similarity_matrix(text_emb[idx], motion_emb[idx])
        results.append(recall_metrics(sim, keys, keys, ks))
    if not results:
        return {}
    return {k: sum(r[k] for r in results) / len(results) for k in results[0]}


def cosine_similarity_matrix(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(N, D), (M, D) -> (N, M) cosine similarities."""
    a = torch.nn.functional.normalize(a.float(), dim=-1)
    b = torch.nn.functional.normalize(b.float(), dim=-1)
    return a @ b.T
