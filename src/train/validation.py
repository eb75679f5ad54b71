"""The validation pass run after each training epoch: losses and text-to-motion retrieval."""

import torch

from src.datasets.get_dataset import make_dataloader
from src.metrics.retrieval import batched_recall_metrics, cosine_similarity_matrix, recall_metrics
from src.runtime import batch_to_device


@torch.no_grad()
def validate(model, dataset, opt, device, max_items: int = 1024) -> dict:
    """Mean validation losses, plus T2M recalls over the whole (capped) set and over batches of 32.

    Args:
        model: the SMoG model (not the DDP wrapper).
        dataset: validation dataset in eval mode (deterministic windows).
        max_items: cap on the sequences used, so that validation stays cheap on a CPU.
    """
    was_training = model.training
    model.eval()
    loader = make_dataloader(dataset, opt.batch_size, train=False)
    sums, count, text_lat, motion_lat, texts = {}, 0, [], [], []
    for batch in loader:
        batch = batch_to_device(batch, device)
        outputs = model(batch)  # in eval mode its latents are the unsampled ones retrieval ranks
        _, logs = model.losses(outputs)
        for key, value in logs.items():
            sums[key] = sums.get(key, 0.0) + float(value)
        count += 1
        motion_lat.append(outputs.motion["latent"].float().cpu())
        text = outputs.text if outputs.text is not None else model.encode_text(batch["text"])  # no text term on
        text_lat.append(text["latent"].float().cpu())
        texts.extend(batch["text"])
        if len(texts) >= max_items:
            break
    model.train(was_training)
    if count == 0:
        return {}
    logs = {f"val/{k}": v / count for k, v in sums.items()}
    motion_lat, text_lat = torch.cat(motion_lat), torch.cat(text_lat)
    whole = recall_metrics(cosine_similarity_matrix(text_lat, motion_lat), texts, texts, ks=(1, 5))
    logs.update({f"val/t2m_{k}": v for k, v in whole.items()})
    in_batches = batched_recall_metrics(text_lat, motion_lat, texts, batch=32, ks=(1, 5))
    logs.update({f"val/t2m_b32_{k}": v for k, v in in_batches.items()})
    return logs
