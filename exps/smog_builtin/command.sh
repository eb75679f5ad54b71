# The shipped model (exps/smog_builtin/README.md): stage 4 of the phase recipe with its prior, exported to sample
# 10 DDIM steps at guidance 1.5 by default. All on this project's 2-core CPU.
# Stages 1-3: exps/smog_builtin/stage3/command.sh; stage 4 starts from stage 3's file as shipped (float16, with its
# prior, which a training run leaves out):
git show a0c61d0:exps/smog_builtin/checkpoint.pth.tar > exps/smog_phase_s3.pth.tar
# Data (42 actions, seed 1; the generator of commit da02dea: run these in a checkout of it to get the same captions;
# later generators make the same motions and name the side of some turn-arounds and circles). 101 s + 48 s:
python -m src.datasets.synthetic --output_dir data/synthetic10k_v3 --num_sequences 10000 --seed 1 --num_workers 2
python -m src.datasets.amass_parser --dataset_name babel --input_dir data/synthetic10k_v3/amass \
  --babel_dir data/synthetic10k_v3/babel --output_dir data/synthetic10k_v3_db --target_fps 20
# Stage 4: the whole model, 3 epochs, claps and waves drawn more often (19.5 min on two threads); losses.csv, opt.yaml.
OMP_NUM_THREADS=2 python -m src.train.train --dataset builtin --datapath data/synthetic10k_v3_db/babel_20fps_db.pt \
  --folder exps/smog_phase_w4 --expname smog_phase_w4 --seed 13 \
  --init_from exps/smog_phase_s3.pth.tar \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 0.8 --caption_augment 0.7 \
  --emphasize_actions clap=16,wave_left_hand=8,wave_right_hand=4,kneel=3,squat=3 --lambda_relpose 3 \
  --pose_rep hml --decoder modulated --decoder_skips --decoder_fourier 20 --no-crossmodal_trains_decoder \
  --modelname motionclip_transformer_rc_rcxyz --vertstrans --jointstype smpl --lambda_tie 1 --lambda_fc 0.1 \
  --dropout 0.0 --text_dropout 0.1 --batch_size 32 --lr 3e-4 --warmup_steps 100 --num_epochs 3 --snapshot 1 \
  --num_workers 0 --device cpu
python -m prepare.export_model exps/smog_phase_w4/checkpoint_0003.pth.tar exps/smog_phase_w4_final.pth.tar
# The prior (seed 21; 5 min of encoding, 21 min of training on two threads beside other work); prior_losses.csv,
# prior_opt.yaml. --foot_lock makes the lock the file's default.
OMP_NUM_THREADS=2 python -m src.train.train_prior exps/smog_phase_w4_final.pth.tar --folder exps/smog_phase_w4_prior_v21 \
  --dataset builtin --datapath data/synthetic10k_v3_db/babel_20fps_db.pt \
  --num_frames -2 --min_len 40 --max_len 80 --mirror_prob 0.5 --action_start_prob 1.0 --caption_augment 0.7 \
  --latent_passes 4 --num_steps 16000 --log_every 2000 --seed 21 --half --foot_lock --device cpu --num_workers 0 \
  --prediction_type v_prediction --timestep_spacing trailing
python -m prepare.export_model exps/smog_phase_w4_prior_v21/checkpoint.pth.tar exps/smog_builtin/checkpoint.pth.tar \
  --half --default_steps 10 --default_guidance_scale 1.5
