# The hml autoencoder run of session 2026-12-06 (exps/smog_hml/README.md). Not shipped.
# Data (seed 1, the generator with real gait speeds; 10,000 sequences, 20 fps, 356 s + parse):
# (39 actions: at commits from 2062b21 on, the generator has 42 and these commands make other data; run them
# in a checkout of bd2ac19 for this model's data.)
python -m src.datasets.synthetic --output_dir data/synthetic10k --num_sequences 10000 --seed 1 --num_workers 2
python -m src.datasets.amass_parser --dataset_name babel --input_dir data/synthetic10k/amass --babel_dir data/synthetic10k/babel --output_dir data/synthetic10k_db --target_fps 20
# Stage 1 (4 epochs, 42 min on the shared 2-core machine): the whole model.
OMP_NUM_THREADS=2 python -m src.train.train --dataset builtin --datapath data/synthetic10k_db/babel_20fps_db.pt \
  --folder exps/smog_hml_s1 --expname smog_hml --seed 10 \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 \
  --pose_rep hml --decoder modulated --decoder_skips \
  --modelname motionclip_transformer_rc_rcxyz --vertstrans --jointstype smpl --lambda_tie 1 --lambda_fc 0.1 \
  --arch kan --kan_layers embed,final --latent_dim 256 --num_layers 3 --ff_size 512 \
  --num_memory_tokens 8 --dropout 0.0 --text_dropout 0.1 \
  --text_num_layers 2 --text_ff_size 512 --batch_size 32 --lr 1e-3 --warmup_steps 200 --num_epochs 4 --snapshot 1 \
  --num_workers 0 --device cpu
python -m prepare.export_model exps/smog_hml_s1/checkpoint_0004.pth.tar exps/hml_stage1.pth.tar
# Stage 2 (the whole model again, captions reworded; planned 7 epochs, stopped after epoch 5 for time, 36 min):
OMP_NUM_THREADS=2 python -m src.train.train --dataset builtin --datapath data/synthetic10k_db/babel_20fps_db.pt \
  --folder exps/smog_hml_s2 --expname smog_hml_2 --seed 11 \
  --init_from exps/hml_stage1.pth.tar \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 --caption_augment 0.7 \
  --pose_rep hml --modelname motionclip_transformer_rc_rcxyz --lambda_tie 1 --lambda_fc 0.1 \
  --dropout 0.0 --text_dropout 0.1 --batch_size 32 --lr 5e-4 --warmup_steps 50 --num_epochs 7 --snapshot 1 \
  --num_workers 0 --device cpu
python -m prepare.export_model exps/smog_hml_s2/checkpoint_0005.pth.tar exps/hml_final.pth.tar
# exps/smog_hml/checkpoint.pth.tar: that export with its floating weights stored as float16 (torch.load,
# state_dict tensors .half(), torch.save). Continue with --init_from exps/smog_hml/checkpoint.pth.tar.
# Stage 3 (an experiment, not in the weights here): the whole model again from the file above,
# 3 of 12 planned epochs, 60 min on one loaded thread; stage3_losses.csv. It moved the figures little
# (MPJPE 44.4 mm, preservation 79.8%, locomotion skating 0.71 / ankle lift 4.7 cm), so the weights
# here stay stage 2's:
#   OMP_NUM_THREADS=1 python -m src.train.train ... --init_from exps/smog_hml/checkpoint.pth.tar --seed 12 \
#     --lr 3e-4 --warmup_steps 50 --num_epochs 12 (other options as stage 2)
# The diffusion prior in checkpoint.pth.tar (session of 2026-12-06 evening; 4.4 min encoding + 9 min training,
# one CPU thread): the model above frozen, 4 draws of every training window whose caption covers >= 90%
# of it, a residual prior of 3.3 M parameters, 6,000 steps; written with --half (the autoencoder's
# weights were float16 already, so they are unchanged).
python -m src.train.train_prior exps/smog_hml/checkpoint.pth.tar --folder exps/smog_hml_prior \
  --dataset builtin --datapath data/synthetic10k_db/babel_20fps_db.pt \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 --caption_augment 0.7 \
  --latent_passes 4 --num_steps 6000 --log_every 1000 --seed 20 --half --device cpu --num_workers 0
# then exps/smog_hml_prior/checkpoint.pth.tar -> exps/smog_hml/checkpoint.pth.tar, prior_losses.csv beside it.
