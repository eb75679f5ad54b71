"""The KAN-vs-linear table (bench/kan_vs_linear.sh): per layout, the mean ± 95% interval over seeds
(t-interval, n-1 degrees of freedom) and each seed's value, from each run's eval/results.json."""
import json
import re
import sys
from pathlib import Path

import numpy as np
from scipy import stats

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/runs/kanlin")
LAYOUTS = [("linear", "`--arch linear` (MotionCLIP)"), ("kan", "KAN embed,final (SMoG)"),
           ("kanffn", "KAN embed,final,ffn")]


def _get(d, *keys):
    for k in keys:
        if d is None:
            return None
        d = d.get(k)
    return d["mean"] if isinstance(d, dict) and "mean" in d else d


def wall_s(run: Path):
    """Training wall seconds: the ``.time`` file GNU time wrote, or ``real XmYs`` of bash's time."""
    for f in (run.with_suffix(".time"), Path(str(run) + ".time"), Path(str(run) + ".log")):
        if f.is_file():
            text = f.read_text()
            m = re.search(r"([\d.]+) s wall", text)
            if m:
                return float(m.group(1))
            m = re.search(r"real\s+(\d+)m([\d.]+)s", text)
            if m:
                return 60 * float(m.group(1)) + float(m.group(2))
    return None


def row(run: Path):
    res = json.loads((run / "eval" / "results.json").read_text())
    ev = res.get("evaluator_space", {})
    return {"FID (evaluator)": _get(ev, "generated", "fid"),
            "R-prec top-1": _get(ev, "generated", "gen_rprec_top1"),
            "R-prec top-3": _get(ev, "generated", "gen_rprec_top3"),
            "MPJPE mm (recon)": _get(res, "deterministic", "mpjpe_mm"),
            "signature pres.": _get(res, "deterministic", "signature_preservation"),
            "train wall min": (wall_s(run) or float("nan")) / 60}


def summary(values):
    v = np.array([x for x in values if x is not None and np.isfinite(x)], float)
    if len(v) == 0:
        return "-"
    if len(v) == 1:
        return f"{v[0]:.4g} (1 seed)"
    half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return f"{v.mean():.4g} ± {half:.2g} ({', '.join(f'{x:.4g}' for x in v)})"


def main():
    table, cols = {}, None
    for key, name in LAYOUTS:
        rows = [row(r) for r in sorted(OUT.glob(f"{key}_s[0-9]")) if (r / "eval" / "results.json").is_file()]
        if not rows:
            continue
        cols = list(rows[0])
        table[name] = (len(rows), {c: summary([r[c] for r in rows]) for c in cols})
    print("| layout | seeds | " + " | ".join(cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    for name, (n, cells) in table.items():
        print(f"| {name} | {n} | " + " | ".join(cells[c] for c in cols) + " |")


if __name__ == "__main__":
    main()
