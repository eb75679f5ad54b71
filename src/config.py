"""Project-wide conventions: joint tables, axes, units, frame rates and paths.

Every other module imports these names; nothing else in the project restates a
joint index, a parent table, an axis convention or a default frame rate.

Array axes are named once, here, and kept everywhere:
    joint positions  (T, J, 3)      float32, metres, Y-up (see below)
    batched          (B, T, J, C)   B = batch, T = frames, J = joints, C = channels
    axis-angle       (..., 3)       radians
    rotation matrix  (..., 3, 3)
    6D rotation      (..., 6)       the first two *columns* of the matrix, flattened
                                    row-major: [R00, R01, R10, R11, R20, R21]

Output convention for joint positions (HumanML3D ``new_joints``, SPEC §1):
Y-up, floor at y = 0 (lowest foot point over the clip), root at x = z = 0 in
frame 0, facing +Z in frame 0. In SMPL's canonical frame the body's left side
is +X.
"""

import math
import os
from pathlib import Path

# --------------------------------------------------------------------- joints
SMPL_JOINT_NAMES = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee",
    "spine2", "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot",
    "neck", "left_collar", "right_collar", "head", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hand", "right_hand",
)
SMPL_PARENTS = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21)
NUM_SMPL_JOINTS = 24
NUM_BODY_JOINTS = 22  # joint-position outputs use the first 22 (HumanML3D order)
JOINT_INDEX = {name: i for i, name in enumerate(SMPL_JOINT_NAMES)}

# (left, right) pairs; mirroring swaps them and negates X.
MIRROR_PAIRS = ((1, 2), (4, 5), (7, 8), (10, 11), (13, 14), (16, 17), (18, 19), (20, 21), (22, 23))


def mirror_permutation(num_joints: int = NUM_SMPL_JOINTS) -> list:
    """Index list that swaps left and right joints, for arrays with ``num_joints`` joints."""
    perm = list(range(num_joints))
    for left, right in MIRROR_PAIRS:
        if right < num_joints:
            perm[left], perm[right] = right, left
    return perm


# Feet used by the physical metrics and by floor detection (SPEC §4).
FOOT_JOINTS = (JOINT_INDEX["left_foot"], JOINT_INDEX["right_foot"])
ANKLE_JOINTS = (JOINT_INDEX["left_ankle"], JOINT_INDEX["right_ankle"])
FLOOR_JOINTS = ANKLE_JOINTS + FOOT_JOINTS
# Joints whose left-to-right vectors define the body's heading.
HIP_JOINTS = (JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"])
SHOULDER_JOINTS = (JOINT_INDEX["left_shoulder"], JOINT_INDEX["right_shoulder"])

# Other SMPL-family layouts (SPEC §1): their first 22 joints equal SMPL's.
NUM_SMPLH_JOINTS = 52
NUM_SMPLX_JOINTS = 55
SMPLH_POSE_DIM = NUM_SMPLH_JOINTS * 3  # 156 in AMASS "G" files
SMPLX_POSE_DIM = NUM_SMPLX_JOINTS * 3  # 165 in AMASS SMPL-X stageii files
BODY_POSE_DIM = NUM_BODY_JOINTS * 3    # the first 66 values mean the same in both
NUM_BETAS = 16
NUM_DMPLS = 8

# ------------------------------------------------------------ built-in skeleton
# Rest (T-pose) joint positions of the built-in adult skeleton, in metres, in
# SMPL's canonical frame (Y-up, facing +Z, left = +X). Bone lengths follow the
# table in SPEC §1. The pelvis sits 0.22 m below the origin, as SMPL's neutral
# model does, so that AMASS ``trans`` values mean the same for the built-in
# skeleton and for the real model to within centimetres.
_PELVIS = (0.0, -0.22, 0.0)
_REST_OFFSETS = (  # child minus parent, index-aligned with SMPL_JOINT_NAMES
    _PELVIS,
    (0.06, -0.09, 0.0), (-0.06, -0.09, 0.0),       # hips
    (0.0, 0.13, 0.0),                               # spine1
    (0.0, -0.39, 0.0), (0.0, -0.39, 0.0),           # knees
    (0.0, 0.14, 0.0),                               # spine2
    (0.0, -0.43, 0.0), (0.0, -0.43, 0.0),           # ankles
    (0.0, 0.06, 0.0),                               # spine3
    (0.0, -0.06, 0.127), (0.0, -0.06, 0.127),       # feet (forward +Z)
    (0.0, 0.22, 0.0),                               # neck
    (0.07, 0.12, 0.0), (-0.07, 0.12, 0.0),          # collars
    (0.0, 0.10, 0.0),                               # head
    (0.13, 0.0, 0.0), (-0.13, 0.0, 0.0),            # shoulders
    (0.26, 0.0, 0.0), (-0.26, 0.0, 0.0),            # elbows
    (0.27, 0.0, 0.0), (-0.27, 0.0, 0.0),            # wrists
    (0.09, 0.0, 0.0), (-0.09, 0.0, 0.0),            # hands
)
BUILTIN_REST_OFFSETS = _REST_OFFSETS

# The built-in skeleton has no shape space; betas[0] scales it uniformly so that
# generated bodies of different sizes still round-trip through AMASS files.
BUILTIN_BETA0_SCALE = 0.05  # relative size change per unit of betas[0]

# ------------------------------------------------------------------ frame rate
SMOG_FPS = 30.0        # the original SMoG trains on AMASS resampled to 30 fps
HUMANML3D_FPS = 20.0
KITML_FPS = 12.5
KITML_UNITS_PER_METRE = 640.0  # KIT-ML joint units are about 640 x metres (SPEC §2)
CMU_BVH_UNITS_TO_METRES = 0.056444
METRIC_FPS = 20.0      # physical metrics are defined at 20 fps (SPEC §4)

# The one frame-count rule. Resampling T frames from ``source_fps`` to ``target_fps`` keeps output
# frame k (at time k / target_fps) for every k with k / target_fps <= (T - 1) / source_fps. The
# comparison tolerates 1% of an output frame because recorded rates are not exact: AMASS stores
# e.g. 59.99998856 fps, and 2.0 s at that rate must still give the nominal 61 frames at 30 fps.
# Real fractional frames are whole output frames apart, so 1% only absorbs recording and float noise.
FRAME_END_TOLERANCE = 1e-2


def resampled_num_frames(num_frames: int, source_fps: float, target_fps: float) -> int:
    """How many frames ``num_frames`` frames at ``source_fps`` give at ``target_fps`` (the rule above)."""
    duration = (num_frames - 1) / source_fps
    return int(math.floor(duration * target_fps + FRAME_END_TOLERANCE)) + 1


# Seconds of a generated motion when neither the prompt nor --duration says, and the most allowed.
DEFAULT_DURATION_S = 4.0
MAX_DURATION_S = 60.0
# The shortest duration accepted: 4 frames at 20 fps (6 at 30), enough for velocities and a GIF.
# Shorter ones are typos or another tool's units (a '#0.01' gave a one-frame motion).
MIN_DURATION_S = 0.2
# Prompt files of other tools give lengths in frames (MoMask, text-to-motion: 'caption#N' at
# HumanML3D's 20 fps). A seconds file whose lengths are all whole numbers above this is such a file.
FRAME_LENGTHS_ABOVE = 30

# How generation turns a caption into a decoder latent: ``diffusion`` samples it with the model's
# latent diffusion prior (``src.models.prior``), ``regression`` decodes the text encoder's latent.
SAMPLERS = ("diffusion", "regression")

# ------------------------------------------------------------------ option ranges
# Size-like options, checked while parsing (``src/parser/types.py``), before any model or data loads;
# README's "Option ranges" lists them. Any value in range runs in bounded memory (below).
OUTPUT_FPS_RANGE = (1.0, 240.0)   # --fps of the generation commands and anim, --target_fps, synthetic --fps
MAX_SAMPLES_PER_PROMPT = 1000     # text2motion / check_prompts --num_samples, evaluate_model --mm_samples
TEMPERATURE_RANGE = (0.0, 10.0)   # text2motion --temperature (noise scale; beyond 10 latents are noise)
MAX_PROMPTS_PER_CALL = 256        # text2motion --batch_size
GUIDANCE_RANGE = (0.0, 20.0)      # --guidance_scale of the diffusion sampler (1 = no guidance)
MAX_SAMPLING_STEPS = 1000         # --steps of the diffusion sampler (DDIM; the prior's training steps)
MAX_INTERPOLATION_STOPS = 100     # motion_interpolation --num_stops
MAX_EVAL_BATCH = 1024             # evaluate_model --batch_size
# The web demo (python -m src.app): motions per Generate (prompts x samples; each is an animation on
# the page and its files), and where it listens by default (this machine only).
MAX_DEMO_MOTIONS = 32
DEMO_HOST, DEMO_PORT = "127.0.0.1", 7860
# Generation decodes and holds at most this many output frames at a time: many samples, long
# durations or a high --fps are split into several decoder passes, so memory stays flat.
MAX_FRAMES_PER_PASS = 4_000
# Recorded frame rates a motion file (AMASS .npz, BVH) may state; other files are skipped with
# their reason. Mocap runs at 30-480 Hz; a rate of 1e9 would squeeze a whole clip into one frame.
SOURCE_FPS_RANGE = (5.0, 1000.0)

# ------------------------------------------------------------------ animations
RENDERERS = ("pil", "matplotlib")  # stick-figure GIF renderers: Pillow (fast) or matplotlib 3D
DEFAULT_RENDERER = "pil"

# --------------------------------------------------------------------- splits
SPLITS = ("train", "val", "test")
SPLIT_ALIASES = {"vald": "val", "valid": "val", "validation": "val"}  # 'vald' is the original SMoG's name

# --------------------------------------------------------------------- paths
# The project's own files (the shipped model, the example inputs) sit beside src/ in a checkout
# (also under `pip install -e .`); a wheel (`pip install .`) carries them inside the package as
# src/_shipped/{exps,assets} (setup.py), since site-packages has no room beside src/. The user's
# folders (data/, models/, new runs in exps/) are then the current directory's, as in the original.
PACKAGE_DIR = Path(__file__).resolve().parent
INSTALLED_FILES_DIR = PACKAGE_DIR / "_shipped"
INSTALLED = INSTALLED_FILES_DIR.is_dir()
SHIPPED_DIR = INSTALLED_FILES_DIR if INSTALLED else PACKAGE_DIR.parent
ROOT_DIR = Path.cwd() if INSTALLED else PACKAGE_DIR.parent
DATA_DIR = ROOT_DIR / "data"
EXPS_DIR = ROOT_DIR / "exps"
MODELS_DIR = ROOT_DIR / "models"   # where users put SMPL model files
ASSETS_DIR = SHIPPED_DIR / "assets"
# Data shared between checkouts (not in the repository): real KIT-ML captions for the development prompt set.
SHARED_DATA_DIR = Path(os.environ.get("SMOG_SHARED_DATA", ROOT_DIR.parent / "shared" / "data"))
KIT_ANNOTATIONS = SHARED_DATA_DIR / "captions" / "kitml_annotations.json"

# Motion embeddings that src.retrieve computed, keyed by file content and model (src/retrieval/cache.py).
EMBEDDING_CACHE_DIR = Path(os.environ.get("SMOG_CACHE_DIR", Path.home() / ".cache" / "smog" / "embeddings"))

# The shipped pretrained model: the default checkpoint of every command.
DEFAULT_CHECKPOINT = SHIPPED_DIR / "exps" / "smog_builtin" / "checkpoint.pth.tar"
# The independent evaluator of the built-in data (src/evaluate/tmr.py; exps/evaluator_builtin/README.md),
# loaded by evaluate_model.py for the built-in data at its frame rate unless --evaluator says otherwise.
DEFAULT_EVALUATOR = SHIPPED_DIR / "exps" / "evaluator_builtin" / "evaluator.pt"
# Where the generation commands write for the shipped model: beside it in a checkout; installed,
# the same relative folder under the current directory (never inside site-packages).
DEFAULT_OUTPUT_ROOT = EXPS_DIR / "smog_builtin"

SMPL_MODEL_PATH = MODELS_DIR / "smpl" / "SMPL_NEUTRAL.pkl"
SMPLH_MODEL_DIR = MODELS_DIR / "smplh"  # {neutral,male,female}/model.npz
SMPL_DOWNLOAD_HINT = (
    "SMPL model files need a free registration: SMPL from https://smpl.is.tue.mpg.de "
    "(put SMPL_NEUTRAL.pkl in models/smpl/), SMPL+H from https://mano.is.tue.mpg.de "
    "(put {neutral,male,female}/model.npz in models/smplh/). "
    "Run `python -m prepare.check_smpl_files` to see what is found."
)


# --------------------------------------------------------------------- features and data options
POSE_REPS = ("rotvec", "rotmat", "rotquat", "rot6d", "xyz", "hml")  # feature layouts (src.utils.features, .hml)
POSITION_REPS = ("xyz", "hml")  # layouts that hold joint positions (no body model needed for joints)
DATASETS = ("amass", "babel", "builtin", "bvh", "humanml3d", "kitml")  # --dataset names (get_dataset.py)
SAMPLINGS = ("conseq", "random_conseq", "random")  # how a window's frames are chosen
# Normalisation never divides by a smaller std: dataset statistics are floored here, and the
# model's normalisation buffer replaces a smaller std by 1 (channels that never vary).
STD_FLOOR = 1e-3
