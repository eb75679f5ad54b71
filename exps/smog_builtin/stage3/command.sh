# Stage 3, the shipped model until 2026-12-08 (exps/smog_builtin/stage3/README.md): the phase recipe's stage 3 with its prior, exported to
# sample 10 DDIM steps by default. All on this project's 2-core CPU.
# Stages 1 and 2 (about 150 + 55 min) and their data (39 actions, made in a checkout of bd2ac19): exps/smog_phase/command.sh.
# Stage 3 started from stage 2's file as committed (float16, with its prior, which a training run leaves out):
git show 5cbff7b:exps/smog_phase/checkpoint.pth.tar > exps/smog_phase_s2.pth.tar
# Data of stage 3 and the prior (42 actions; the generator of commit 2062b21, seed 1):
python -m src.datasets.synthetic --output_dir data/synthetic10k_v2 --num_sequences 10000 --seed 1
python -m src.datasets.amass_parser --dataset_name babel --input_dir data/synthetic10k_v2/amass \
  --babel_dir data/synthetic10k_v2/babel --output_dir data/synthetic10k_v2_db --target_fps 20
# Stage 3: the whole model, 6 epochs (37 min on two threads); losses.csv, opt.yaml.
OMP_NUM_THREADS=2 python -m src.train.train --dataset builtin --datapath data/synthetic10k_v2_db/babel_20fps_db.pt \
  --folder exps/smog_phase_v2run --expname smog_phase_v2 --seed 12 \
  --init_from exps/smog_phase_s2.pth.tar \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 --caption_augment 0.7 \
  --pose_rep hml --decoder modulated --decoder_skips --decoder_fourier 20 --no-crossmodal_trains_decoder \
  --modelname motionclip_transformer_rc_rcxyz --vertstrans --jointstype smpl --lambda_tie 1 --lambda_fc 0.1 \
  --dropout 0.0 --text_dropout 0.1 --batch_size 32 --lr 3e-4 --warmup_steps 100 --num_epochs 6 --snapshot 1 \
  --num_workers 0 --device cpu
python -m prepare.export_model exps/smog_phase_v2run/checkpoint_0006.pth.tar exps/smog_phase_v2_final.pth.tar
# The prior: 16,000 steps on latents of windows that start where their action starts (13 min plus 4 min of
# encoding on two threads); prior_losses.csv, prior_opt.yaml. --foot_lock makes the lock the file's default.
OMP_NUM_THREADS=2 python -m src.train.train_prior exps/smog_phase_v2_final.pth.tar --folder exps/smog_phase_v2_prior_start \
  --dataset builtin --datapath data/synthetic10k_v2_db/babel_20fps_db.pt \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 1.0 --caption_augment 0.7 \
  --latent_passes 4 --num_steps 16000 --log_every 2000 --seed 20 --half --foot_lock --device cpu --num_workers 0
# (That prior's file was committed as exps/smog_phase/checkpoint.pth.tar in cf997f1, sampling 50 steps by default.)
# Shipped on 2026-12-07 until the eighth session (the file at commit 58aca77; its logs are in prior_epsilon/): the same
# weights, 10 DDIM steps (leading spacing) by default.
python -m prepare.export_model exps/smog_phase_v2_prior_start/checkpoint.pth.tar exps/smog_builtin/checkpoint.pth.tar \
  --half --default_steps 10
# Shipped since 2026-12-07 (eighth session): the same command with a v-prediction denoiser and trailing steps,
# the defaults of train_prior since c742077 (given here so that the line reads the same at any commit):
# 2 min 16 s of encoding, 13 min 38 s of training on two threads; prior_losses.csv, prior_opt.yaml.
OMP_NUM_THREADS=2 python -m src.train.train_prior exps/smog_phase_v2_final.pth.tar --folder exps/smog_phase_v2_prior_v \
  --dataset builtin --datapath data/synthetic10k_v2_db/babel_20fps_db.pt \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 1.0 --caption_augment 0.7 \
  --latent_passes 4 --num_steps 16000 --log_every 2000 --seed 20 --half --foot_lock --device cpu --num_workers 0 \
  --prediction_type v_prediction --timestep_spacing trailing
# 10 DDIM steps and guidance 1.5 by default (README.md here, "Why v-prediction and guidance 1.5").
python -m prepare.export_model exps/smog_phase_v2_prior_v/checkpoint.pth.tar exps/smog_builtin/checkpoint.pth.tar \
  --half --default_steps 10 --default_guidance_scale 1.5
