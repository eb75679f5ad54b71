#!/usr/bin/env bash
# KAN vs linear (issue 14 item 6), small CPU config: 3 layouts x seeds 1,2,3, same data and budget.
# Usage: bash bench/kan_vs_linear.sh [OUT=/work/runs/kanlin] [DATA=data/synthetic10k_db/babel_20fps_db.pt]
# Runs two trainings at a time, one thread each; then evaluates each checkpoint in the evaluator's space.
set -euo pipefail
OUT=${1:-/work/runs/kanlin}
DATA=${2:-data/synthetic10k_db/babel_20fps_db.pt}
EPOCHS=${EPOCHS:-1}
mkdir -p "$OUT"
train() {  # name seed arch-args...
  local name=$1 seed=$2; shift 2
  local dir="$OUT/${name}_s${seed}"
  /usr/bin/time -f "%e s wall" -o "$dir.time" env OMP_NUM_THREADS=1 python -m src.train.train \
    --dataset builtin --datapath "$DATA" --folder "$dir" --expname "${name}_s${seed}" --seed "$seed" \
    --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 \
    --modelname motionclip_transformer_rc_rcxyz_vel --vertstrans "$@" \
    --latent_dim 64 --num_layers 1 --ff_size 128 --num_memory_tokens 4 --text_num_layers 1 --text_ff_size 128 \
    --batch_size 64 --num_epochs "$EPOCHS" --lr 1e-3 --warmup_steps 50 --snapshot 1 --num_workers 0 --device cpu \
    > "$dir.log" 2>&1
}
evaluate() {  # run dir
  local dir=$1 ckpt
  ckpt=$(ls "$dir"/checkpoint_*.pth.tar | sort | tail -1)
  OMP_NUM_THREADS=1 python evaluate_model.py "$ckpt" --datapath "$DATA" --n_runs 1 --mm_texts 0 \
    --sample_size 320 --seed 0 --output_dir "$dir/eval" > "$dir/eval.log" 2>&1
}
run_one() {  # train then evaluate one (layout, seed)
  local name=$1 seed=$2
  case $name in
    linear) train linear "$seed" --arch linear ;;
    kan)    train kan "$seed" --arch kan --kan_layers embed,final ;;
    kanffn) train kanffn "$seed" --arch kan --kan_layers embed,final,ffn ;;
  esac
  evaluate "$OUT/${name}_s${seed}"
}
if [[ ${LANE:-} == A ]]; then for j in "kan 1" "kanffn 1" "kan 2" "linear 3" "kanffn 3"; do run_one $j; done; exit; fi
if [[ ${LANE:-} == B ]]; then for j in "linear 1" "linear 2" "kanffn 2" "kan 3"; do run_one $j; done; exit; fi
# two lanes of one-thread processes, i.e. two processes at a time
LANE=A bash "$0" "$OUT" "$DATA" & LANE=B bash "$0" "$OUT" "$DATA" & wait
python bench/kan_vs_linear_table.py "$OUT"
