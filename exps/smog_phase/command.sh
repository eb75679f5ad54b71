# The phase recipe (sessions of 2026-12-07; exps/smog_phase/README.md). Stage 4 (on the rebuilt data, "Stage 4 again") is the shipped model (exps/smog_builtin).
# Stage 1 below, then stage 2 (the text side) and its prior, stage 3 (new actions) and its prior, stage 4 (claps and
# waves) and its prior: the weights here.
# Data: as exps/smog_hml/command.sh (seed 1, 10,000 sequences, 20 fps).
# From scratch: exps/smog_hml's stage-1 options plus --decoder_fourier 20 --no-crossmodal_trains_decoder,
# with stage 2's reworded captions (--caption_augment 0.7) from the start. Epochs 1-3 ran as a 6-epoch
# schedule on one thread (OMP_NUM_THREADS=1, beside another run), epoch 4 on two threads; from epoch 5 it
# was resumed from checkpoint_0004 with --num_epochs 20 (the cosine schedule is recomputed for 20 epochs,
# so the rate went back up from 3.9e-4 to 9.4e-4). Epochs 12-20 (the next session) resumed from
# checkpoint_0011 with this same command plus --resume FOLDER/checkpoint_0011.pth.tar; the weights here are
# epoch 20's. Continue it with the same command and --resume FOLDER/checkpoint_XXXX.pth.tar.
OMP_NUM_THREADS=2 python -m src.train.train --dataset builtin --datapath data/synthetic10k_db/babel_20fps_db.pt \
  --folder exps/smog_phase_run --expname smog_phase_s1 --seed 10 \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 --caption_augment 0.7 \
  --pose_rep hml --decoder modulated --decoder_skips --decoder_fourier 20 --no-crossmodal_trains_decoder \
  --modelname motionclip_transformer_rc_rcxyz --vertstrans --jointstype smpl --lambda_tie 1 --lambda_fc 0.1 \
  --arch kan --kan_layers embed,final --latent_dim 256 --num_layers 3 --ff_size 512 \
  --num_memory_tokens 8 --dropout 0.0 --text_dropout 0.1 \
  --text_num_layers 2 --text_ff_size 512 --batch_size 32 --lr 1e-3 --warmup_steps 200 --num_epochs 20 --snapshot 1 \
  --num_workers 0 --device cpu
# The fine-tuning runs that did not move (README "Fine-tuning the hml model"): exps/smog_hml/command.sh's
# stage 3 with --init_from exps/smog_hml/checkpoint.pth.tar and
#   --decoder_fourier 20                                     (lr 3e-4, 2 epochs)
#   --decoder_fourier 20 --no-crossmodal_trains_decoder      (lr 5e-4, 3 epochs)
# The small-set comparisons of the README's tables: bench/phase_study.py (its docstring has both commands).
# Stage 2 (session of 2026-12-07, fourth; README "Stage 2"): the text side only, on reworded captions
# (turn wording included), from epoch 20; 55 min on two threads. Its losses.csv is stage2_losses.csv.
OMP_NUM_THREADS=2 python -m src.train.train --dataset builtin --datapath data/synthetic10k_db/babel_20fps_db.pt \
  --folder exps/smog_phase_s2 --expname smog_phase_s2 --seed 11 \
  --init_from exps/smog_phase_run/checkpoint_0020.pth.tar --freeze motion \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 --caption_augment 0.7 \
  --pose_rep hml --decoder modulated --decoder_skips --decoder_fourier 20 --no-crossmodal_trains_decoder \
  --modelname motionclip_transformer_rc_rcxyz --vertstrans --jointstype smpl --lambda_tie 1 --lambda_fc 0.1 \
  --dropout 0.0 --text_dropout 0.1 --batch_size 32 --lr 3e-4 --warmup_steps 100 --num_epochs 20 --snapshot 2 \
  --num_workers 0 --device cpu
python -m prepare.export_model exps/smog_phase_s2/checkpoint_0020.pth.tar exps/smog_phase_s2_final.pth.tar
# (The run itself read --init_from exps/smog_phase/checkpoint.pth.tar, epoch 20's weights as committed then,
# float16: the same weights rounded.)
# The diffusion prior in checkpoint.pth.tar (on one thread: encoding 4 draws of every training window whose
# caption covers >= 90% of it, then 12,000 steps, 16 min), trained over stage 2's weights; --foot_lock saves the
# decode-time foot lock as the checkpoint's default (every command's --no-foot_lock turns it off), --half
# stores float16. Then exps/smog_phase_prior/checkpoint.pth.tar -> exps/smog_phase/checkpoint.pth.tar,
# prior_losses.csv beside it. (Before stage 2 the same command with --num_steps 6000 ran on
# exps/smog_phase_run/checkpoint_0020.pth.tar; on stage 2's weights 6,000 steps gave the README's middle column.)
python -m src.train.train_prior exps/smog_phase_s2_final.pth.tar --folder exps/smog_phase_prior \
  --dataset builtin --datapath data/synthetic10k_db/babel_20fps_db.pt \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 --caption_augment 0.7 \
  --latent_passes 4 --num_steps 12000 --log_every 2000 --seed 20 --half --foot_lock --device cpu --num_workers 0
# The --lambda_relpose fine-tunes of the README's table (session of 2026-12-07, third; one or two of
# four scheduled epochs each, not kept): the training command at the top with --init_from FOLDER/checkpoint_0020.pth.tar
# instead of --resume, --seed 11 --lr 3e-4 --warmup_steps 100 --num_epochs 4, and --lambda_relpose 0, 1 or 3.
# Stage 3 (session of 2026-12-07, fifth; README "Stage 3"): the whole model, 6 more epochs on data with the
# three new actions (walk_curve_left/right, kneel), 37 min on two threads. The data: the data command of
# exps/smog_hml/command.sh (seed 1, 10,000 sequences, 20 fps) with the generator of commit 2062b21 (one kneel
# caption was corrected after it, in ab5ed3d), written to data/synthetic10k_v2 and data/synthetic10k_v2_db.
# Its losses.csv is stage3_losses.csv.
OMP_NUM_THREADS=2 python -m src.train.train --dataset builtin --datapath data/synthetic10k_v2_db/babel_20fps_db.pt \
  --folder exps/smog_phase_v2run --expname smog_phase_v2 --seed 12 \
  --init_from exps/smog_phase/checkpoint.pth.tar \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 --caption_augment 0.7 \
  --pose_rep hml --decoder modulated --decoder_skips --decoder_fourier 20 --no-crossmodal_trains_decoder \
  --modelname motionclip_transformer_rc_rcxyz --vertstrans --jointstype smpl --lambda_tie 1 --lambda_fc 0.1 \
  --dropout 0.0 --text_dropout 0.1 --batch_size 32 --lr 3e-4 --warmup_steps 100 --num_epochs 6 --snapshot 1 \
  --num_workers 0 --device cpu
# (--init_from read stage 2's file, exps/smog_phase/checkpoint.pth.tar as committed in 5cbff7b.)
python -m prepare.export_model exps/smog_phase_v2run/checkpoint_0006.pth.tar exps/smog_phase_v2_final.pth.tar
# Its prior (13 min on two threads plus 4 min of encoding), on latents of windows that all start where their
# action starts (--action_start_prob 1.0; README "Stage 3" has the 12,000- and 24,000-step priors trained before
# it with 0.8, otherwise this command); then exps/smog_phase_v2_prior_start/checkpoint.pth.tar ->
# exps/smog_phase/checkpoint.pth.tar, prior_losses.csv beside it.
OMP_NUM_THREADS=2 python -m src.train.train_prior exps/smog_phase_v2_final.pth.tar --folder exps/smog_phase_v2_prior_start \
  --dataset builtin --datapath data/synthetic10k_v2_db/babel_20fps_db.pt \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 1.0 --caption_augment 0.7 \
  --latent_passes 4 --num_steps 16000 --log_every 2000 --seed 20 --half --foot_lock --device cpu --num_workers 0
# Stage 4 (session of 2026-12-07, sixth; README "--emphasize_actions"): stage 3's whole model 3 more epochs with
# rare actions drawn more often and the relative-pose term, on one thread (27 min, beside other work).
OMP_NUM_THREADS=1 python -m src.train.train --dataset builtin --datapath data/synthetic10k_v2_db/babel_20fps_db.pt \
  --folder exps/smog_phase_ft4 --expname smog_phase_ft4 --seed 13 \
  --init_from exps/smog_phase_v2run/checkpoint_0006.pth.tar \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 --caption_augment 0.7 \
  --emphasize_actions clap=16,wave_left_hand=8,wave_right_hand=4,kneel=3,squat=3 --lambda_relpose 3 \
  --pose_rep hml --decoder modulated --decoder_skips --decoder_fourier 20 --no-crossmodal_trains_decoder \
  --modelname motionclip_transformer_rc_rcxyz --vertstrans --jointstype smpl --lambda_tie 1 --lambda_fc 0.1 \
  --dropout 0.0 --text_dropout 0.1 --batch_size 32 --lr 3e-4 --warmup_steps 100 --num_epochs 3 --snapshot 1 \
  --num_workers 0 --device cpu
python -m prepare.export_model exps/smog_phase_ft4/checkpoint_0003.pth.tar exps/smog_phase_ft4_final.pth.tar
# Its prior (15 min on two threads; a second one with --seed 21 and --folder exps/smog_phase_ft4_prior21 was compared,
# README "Stage 4"), then checkpoint.pth.tar here, sampling 10 DDIM steps by default; stage4_prior_losses.csv.
OMP_NUM_THREADS=2 python -m src.train.train_prior exps/smog_phase_ft4_final.pth.tar --folder exps/smog_phase_ft4_prior \
  --dataset builtin --datapath data/synthetic10k_v2_db/babel_20fps_db.pt \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 1.0 --caption_augment 0.7 \
  --latent_passes 4 --num_steps 16000 --log_every 2000 --seed 20 --half --foot_lock --device cpu --num_workers 0
python -m prepare.export_model exps/smog_phase_ft4_prior/checkpoint.pth.tar exps/smog_phase/checkpoint.pth.tar \
  --half --default_steps 10
# The epoch after stage 4 that lost the waves' swing (README "Left to do"; not kept): stage 4's training command with
# OMP_NUM_THREADS=2, --folder exps/smog_phase_ft5 --expname smog_phase_ft5 --seed 14
# --init_from exps/smog_phase_ft4/checkpoint_0003.pth.tar --lr 1e-4 --warmup_steps 50 --num_epochs 1
# --emphasize_actions clap=16,wave_left_hand=8,wave_right_hand=8,kneel=3,squat=3,turn_around=3
# Stage 4, two more priors (session of 2026-12-07, seventh; README "Two more priors"; not kept): the stage-4
# prior command above with OMP_NUM_THREADS=1 and --latent_passes 8 --num_steps 32000 (folder
# exps/smog_phase_ft4_prior_long), and with --latent_passes 8 --prior_hidden 2048 (exps/smog_phase_ft4_prior_wide,
# its latents.pt copied from the first: the same data options and seed, so reused). Each exported with
#   python -m prepare.export_model FOLDER/checkpoint.pth.tar OUT.pth.tar --half --default_steps 10 --timestep_spacing S
# for S in leading and trailing, then check_prompts --prompts training --seed 0..3, --prompts heldout, --prompts kit.
# The fourth (folder exps/smog_phase_ft4_prior_emph): the stage-4 prior command above (two threads) with
# --emphasize_actions turn_around=3,wave_right_hand=3 added.
# Stage 4 again, on the rebuilt data (session of 2026-12-08, ninth; README "Stage 4 again"). The data: the same data
# command and seed with the generator of da02dea (low waves lift the hand higher), 101 s + 48 s:
python -m src.datasets.synthetic --output_dir data/synthetic10k_v3 --num_sequences 10000 --seed 1 --num_workers 2
python -m src.datasets.amass_parser --dataset_name babel --input_dir data/synthetic10k_v3/amass \
  --babel_dir data/synthetic10k_v3/babel --output_dir data/synthetic10k_v3_db --target_fps 20
# Stage 4's command on it, started from the shipped model's file (stage 3, float16, with its prior, which a training
# run leaves out), on two threads (19 min):
OMP_NUM_THREADS=2 python -m src.train.train --dataset builtin --datapath data/synthetic10k_v3_db/babel_20fps_db.pt \
  --folder exps/smog_phase_w4 --expname smog_phase_w4 --seed 13 \
  --init_from exps/smog_builtin/checkpoint.pth.tar \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 --caption_augment 0.7 \
  --emphasize_actions clap=16,wave_left_hand=8,wave_right_hand=4,kneel=3,squat=3 --lambda_relpose 3 \
  --pose_rep hml --decoder modulated --decoder_skips --decoder_fourier 20 --no-crossmodal_trains_decoder \
  --modelname motionclip_transformer_rc_rcxyz --vertstrans --jointstype smpl --lambda_tie 1 --lambda_fc 0.1 \
  --dropout 0.0 --text_dropout 0.1 --batch_size 32 --lr 3e-4 --warmup_steps 100 --num_epochs 3 --snapshot 1 \
  --num_workers 0 --device cpu
python -m prepare.export_model exps/smog_phase_w4/checkpoint_0003.pth.tar exps/smog_phase_w4_final.pth.tar
# Its v-prediction prior (seed 20; 3 min of encoding, 18 min of training on two threads), and a second one with
# --seed 21 --folder exps/smog_phase_w4_prior_v21:
OMP_NUM_THREADS=2 python -m src.train.train_prior exps/smog_phase_w4_final.pth.tar --folder exps/smog_phase_w4_prior_v \
  --dataset builtin --datapath data/synthetic10k_v3_db/babel_20fps_db.pt \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 1.0 --caption_augment 0.7 \
  --latent_passes 4 --num_steps 16000 --log_every 2000 --seed 20 --half --foot_lock --device cpu --num_workers 0 \
  --prediction_type v_prediction --timestep_spacing trailing
python -m prepare.export_model exps/smog_phase_w4_prior_v/checkpoint.pth.tar exps/smog_phase_w4_v.pth.tar \
  --half --default_steps 10 --default_guidance_scale 1.5
# The text side alone one more time (not kept; README "Stage 4 again"): --init_from exps/smog_phase_w4/checkpoint_0003.pth.tar
# --freeze motion, without --emphasize_actions and --lambda_relpose, --seed 14 --num_epochs 4, folder exps/smog_phase_w5
# (18 min), then the prior command above on its export (exps/smog_phase_w5_prior_v).
# Shipped on 2026-12-08 (tenth session; exps/smog_builtin/command.sh): stage 4 above with the prior of --seed 21
# (folder exps/smog_phase_w4_prior_v21), exported the same way.
# Half turns with a side (session of 2026-12-08, tenth; README "Half turns with a side"; not kept). The data: the same
# data command and seed with the generator of a0c61d0 (turn-arounds and circles may name their side), 131 s + 50 s,
# written to data/synthetic10k_v4 and data/synthetic10k_v4_db. Stage 4's command above on it with
# --datapath data/synthetic10k_v4_db/babel_20fps_db.pt --folder exps/smog_phase_w6 (19.5 min), its prior (seed 20,
# folder exps/smog_phase_w6_prior_v; 20 min). Then the text side alone, turns drawn more often (8 min), and its prior:
OMP_NUM_THREADS=2 python -m src.train.train --dataset builtin --datapath data/synthetic10k_v4_db/babel_20fps_db.pt \
  --folder exps/smog_phase_w7 --expname smog_phase_w7 --seed 15 \
  --init_from exps/smog_phase_w6/checkpoint_0003.pth.tar --freeze motion \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 --caption_augment 0.7 \
  --emphasize_actions turn_around=6,walk_circle=2,turn_left=2,turn_right=2,walk_curve_left=2,walk_curve_right=2,clap=4,wave_left_hand=2,wave_right_hand=2 \
  --pose_rep hml --decoder modulated --decoder_skips --decoder_fourier 20 --no-crossmodal_trains_decoder \
  --modelname motionclip_transformer_rc_rcxyz --vertstrans --jointstype smpl --lambda_tie 1 --lambda_fc 0.1 \
  --dropout 0.0 --text_dropout 0.1 --batch_size 32 --lr 2e-4 --warmup_steps 100 --num_epochs 3 --snapshot 1 \
  --num_workers 0 --device cpu
# (its prior: the prior command above on exps/smog_phase_w7/checkpoint_0003.pth.tar exported, with the v4 datapath,
# --seed 20, folder exps/smog_phase_w7_prior_v)
# Quarter turns in degrees (same session; README "Half turns with a side", last table; not kept). The data with the
# generator of 0f0a9c9: the data commands above with data/synthetic10k_v5. The text side of the shipped stage 4 alone
# (8 min), then its prior: the prior command above on its export with the v5 datapath and --seed 21, folder
# exps/smog_phase_w8_prior_v.
OMP_NUM_THREADS=2 python -m src.train.train --dataset builtin --datapath data/synthetic10k_v5_db/babel_20fps_db.pt \
  --folder exps/smog_phase_w8 --expname smog_phase_w8 --seed 15 \
  --init_from exps/smog_phase_w4/checkpoint_0003.pth.tar --freeze motion \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 --caption_augment 0.7 \
  --emphasize_actions turn_around=6,walk_circle=2,turn_left=3,turn_right=3,walk_curve_left=2,walk_curve_right=2,side_step_left=2,side_step_right=2,clap=4,wave_left_hand=2,wave_right_hand=2 \
  --pose_rep hml --decoder modulated --decoder_skips --decoder_fourier 20 --no-crossmodal_trains_decoder \
  --modelname motionclip_transformer_rc_rcxyz --vertstrans --jointstype smpl --lambda_tie 1 --lambda_fc 0.1 \
  --dropout 0.0 --text_dropout 0.1 --batch_size 32 --lr 2e-4 --warmup_steps 100 --num_epochs 3 --snapshot 1 \
  --num_workers 0 --device cpu
