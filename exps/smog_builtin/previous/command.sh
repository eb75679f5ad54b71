# The shipped model in two stages (exps/smog_builtin/README.md). Data: see that README (seed 1).
# Stage 1 (66 min on 2 CPU threads): the whole model on the built-in captions.
OMP_NUM_THREADS=2 python -m src.train.train --dataset builtin --datapath data/synthetic10k_db/babel_20fps_db.pt \
  --folder exps/smog_builtin_run --expname smog_builtin --seed 10 \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 \
  --arch kan --kan_layers embed,final --variational --latent_dim 256 --num_layers 2 --ff_size 512 \
  --num_memory_tokens 8 --dropout 0.0 --text_dropout 0.1 \
  --text_num_layers 2 --text_ff_size 512 --batch_size 32 --lr 1e-3 --num_epochs 17 --snapshot 2 --vertstrans \
  --num_workers 0 --device cpu
python -m prepare.export_model exps/smog_builtin_run/checkpoint_0017.pth.tar exps/smog_stage1.pth.tar
# Stage 2 (37 min): the text side only, on paraphrased captions; the motion autoencoder stays as stage 1 left it.
# (The run itself read the stage-1 export from exps/smog_builtin/checkpoint.pth.tar, where it was shipped then.)
OMP_NUM_THREADS=2 python -m src.train.train --dataset builtin --datapath data/synthetic10k_db/babel_20fps_db.pt \
  --folder exps/smog_ft2 --expname smog_ft2 --seed 11 \
  --init_from exps/smog_stage1.pth.tar --freeze motion \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 --caption_augment 0.7 \
  --dropout 0.0 --text_dropout 0.1 --batch_size 32 --lr 3e-4 --warmup_steps 100 --num_epochs 20 --snapshot 2 \
  --num_workers 0 --device cpu
python -m prepare.export_model exps/smog_ft2/checkpoint_0020.pth.tar exps/smog_builtin/checkpoint.pth.tar
