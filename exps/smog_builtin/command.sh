OMP_NUM_THREADS=2 python -m src.train.train --dataset builtin --datapath data/synthetic10k_db/babel_20fps_db.pt \
  --folder exps/smog_builtin_run --expname smog_builtin --seed 10 \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 \
  --arch kan --kan_layers embed,final --variational --latent_dim 256 --num_layers 2 --ff_size 512 \
  --num_memory_tokens 8 --dropout 0.0 --text_dropout 0.1 \
  --text_num_layers 2 --text_ff_size 512 --batch_size 32 --lr 1e-3 --num_epochs 17 --snapshot 2 --vertstrans \
  --num_workers 0 --device cpu
