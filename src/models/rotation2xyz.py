"""Forward kinematics: SMPL-24 rotations plus root translation to joint positions.

Two bodies answer the same call:
    * ``BuiltinSkeleton``: the adult skeleton of ``src.config`` (no licensed file needed);
    * ``SMPLFamilyBody``: the real SMPL / SMPL+H model through ``smplx``'s linear
      blend skinning, when the user has put the model file under ``models/``.
``load_body_model("auto")`` picks the real model when its file is present.
"""

import pickle
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from torch import nn

from src import config
from src.errors import ModelFilesError
from src.motion import forward_kinematics
from src.utils import rotation


class MissingBodyModelError(FileNotFoundError):
    """A feature needs an SMPL model file that is not on disk."""

    def __init__(self, path: Path):
        super().__init__(f"SMPL model file not found: {path}. {config.SMPL_DOWNLOAD_HINT}")
        self.path = path


class BuiltinSkeleton(nn.Module):
    """The built-in SMPL-24 skeleton (SPEC §1 bone lengths), uniformly scaled by ``betas[..., 0]``."""

    has_vertices = False

    def __init__(self):
        super().__init__()
        offsets = torch.tensor(config.BUILTIN_REST_OFFSETS, dtype=torch.float32)
        rest = torch.zeros_like(offsets)
        for j, p in enumerate(config.SMPL_PARENTS):
            rest[j] = offsets[j] + (rest[p] if p >= 0 else 0)
        self.register_buffer("rest_joints", rest, persistent=False)  # (24, 3)

    def scale(self, betas: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
        """(..., K) betas -> (...,) size factor, or None for the default size."""
        if betas is None:
            return None
        return 1.0 + config.BUILTIN_BETA0_SCALE * betas[..., 0]

    def forward(self, rotmats: torch.Tensor, trans: Optional[torch.Tensor] = None, betas: Optional[torch.Tensor] = None) -> dict:
        """(..., 24, 3, 3), (..., 3), (..., K) -> {"joints": (..., 24, 3), "vertices": None}."""
        rest = self.rest_joints
        size = self.scale(betas)
        if size is not None:
            rest = rest * size[..., None, None]
        return {"joints": forward_kinematics(rotmats, rest, config.SMPL_PARENTS, trans), "vertices": None}


class _ChumpyArray:
    """Stand-in for chumpy objects inside official SMPL pickles (chumpy does not install on
    current Python/numpy); keeps the pickled state so that its array ``x`` can be read."""

    def __setstate__(self, state):
        self.__dict__.update(state if isinstance(state, dict) else {"x": state})


class UntrustedModelFileError(ModelFilesError):
    """An SMPL pickle that asks for something an official model file never holds (refused unrun)."""


# What official SMPL pickles (and this project's tiny test files) reference: numpy arrays, dtypes and
# scalars (numpy 1 and 2 module names, protocols 2-5), scipy's sparse J_regressor, the python-2
# object reconstruction that scipy's matrices go through, and protocol 2's bytes decoding. Anything
# else in a pickle could run code on load (users fetch these files from third-party mirrors), so it
# is refused. chumpy classes are stubbed by ``_ChumpyArray``, which only keeps its state.
_SMPL_PICKLE_ALLOWED = {
    (numpy_module, name)
    for numpy_module in ("numpy.core.multiarray", "numpy._core.multiarray")
    for name in ("_reconstruct", "scalar")
} | {
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("copy_reg", "_reconstructor"), ("copyreg", "_reconstructor"),
    ("__builtin__", "object"), ("builtins", "object"),
    ("_codecs", "encode"),  # how protocol 2 stores Python 3 bytes (numpy's raw data): a pure function
} | {
    (f"scipy.sparse{sub}", cls) for sub in ("", ".csc", "._csc", ".csr", "._csr", ".coo", "._coo")
    for cls in ("csc_matrix", "csr_matrix", "coo_matrix")
}


class _SMPLUnpickler(pickle.Unpickler):
    """Unpickles official SMPL ``.pkl`` files with an allow-list (``_SMPL_PICKLE_ALLOWED``)."""

    def __init__(self, file, path: Path):
        super().__init__(file, encoding="latin1")
        self.path = path

    def find_class(self, module, name):
        if module == "chumpy" or module.startswith("chumpy."):
            return _ChumpyArray
        if (module, name) not in _SMPL_PICKLE_ALLOWED:
            raise UntrustedModelFileError(
                f"{self.path}: refused to load: the pickle asks for {module}.{name}, which an SMPL model file "
                f"never holds (only numpy/scipy arrays and chumpy objects are allowed, as loading anything else "
                f"could run code). Download the file again from smpl.is.tue.mpg.de.")
        if module.startswith("numpy.core") and hasattr(np, "_core"):  # numpy 2 moved numpy.core to numpy._core
            module = "numpy._core" + module[len("numpy.core"):]
        return super().find_class(module, name)


def _to_numpy(value):
    if isinstance(value, _ChumpyArray):
        value = value.__dict__.get("x")
    if hasattr(value, "toarray"):  # scipy.sparse J_regressor
        value = value.toarray()
    return np.asarray(value)


def read_smpl_model_file(path: Path) -> dict:
    """Read an SMPL ``.pkl`` or SMPL+H ``.npz`` into plain numpy arrays (no chumpy needed).

    Raises:
        MissingBodyModelError: no file at ``path``.
        UntrustedModelFileError: a pickle referencing anything but the allowed numpy/scipy types.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingBodyModelError(path)
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            return {k: np.asarray(data[k]) for k in data.files}
    with open(path, "rb") as f:
        raw = _SMPLUnpickler(f, path).load()
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: not an SMPL model file (a pickled {type(raw).__name__}, expected a dict)")
    return {k: _to_numpy(v) for k, v in raw.items() if not isinstance(v, str)}


class SMPLFamilyBody(nn.Module):
    """Exact SMPL or SMPL+H joints and vertices, through ``smplx.lbs.lbs``.

    Args:
        model_path: ``SMPL_*.pkl`` or SMPL+H ``model.npz``.
    """

    has_vertices = True
    _REQUIRED = ("v_template", "shapedirs", "posedirs", "J_regressor", "weights", "kintree_table")

    def __init__(self, model_path: Path):
        super().__init__()
        data = read_smpl_model_file(model_path)
        missing = [k for k in self._REQUIRED if k not in data]
        if missing:
            raise ValueError(f"{model_path}: not an SMPL-family model file, missing arrays {missing}")
        f32 = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float32))
        self.num_model_joints = int(data["kintree_table"].shape[1])
        if self.num_model_joints not in (config.NUM_SMPL_JOINTS, config.NUM_SMPLH_JOINTS):
            raise ValueError(f"{model_path}: {self.num_model_joints} joints; expected SMPL (24) or SMPL+H (52)")
        parents = data["kintree_table"][0].astype(np.int64).copy()
        parents[0] = -1
        self.register_buffer("parents", torch.as_tensor(parents), persistent=False)
        self.register_buffer("v_template", f32(data["v_template"]), persistent=False)
        self.register_buffer("shapedirs", f32(data["shapedirs"]), persistent=False)  # (V, 3, K)
        posedirs = f32(data["posedirs"])  # (V, 3, 9*(J-1)) in the files; lbs wants (9*(J-1), 3V)
        self.register_buffer("posedirs", posedirs.reshape(-1, posedirs.shape[-1]).T.contiguous(), persistent=False)
        self.register_buffer("J_regressor", f32(data["J_regressor"]), persistent=False)
        self.register_buffer("lbs_weights", f32(data["weights"]), persistent=False)
        self.faces = np.asarray(data.get("f", np.zeros((0, 3))), dtype=np.int64)
        # SMPL-24's hand joints 22/23 correspond to SMPL+H's middle-finger bases.
        self.joint_map = list(range(24)) if self.num_model_joints == 24 else list(range(22)) + [25, 40]

    def forward(self, rotmats: torch.Tensor, trans: Optional[torch.Tensor] = None, betas: Optional[torch.Tensor] = None) -> dict:
        """(..., 24, 3, 3), (..., 3), (..., K) -> {"joints": (..., 24, 3), "vertices": (..., V, 3)}."""
        from smplx.lbs import lbs

        lead = rotmats.shape[:-3]
        rot = rotmats.reshape(-1, config.NUM_SMPL_JOINTS, 3, 3)
        n = rot.shape[0]
        if self.num_model_joints == config.NUM_SMPLH_JOINTS:  # fingers stay at rest
            eye = torch.eye(3, dtype=rot.dtype, device=rot.device).expand(n, 30, 3, 3)
            rot = torch.cat([rot[:, :22], eye], dim=1)
        num_betas = self.shapedirs.shape[-1]
        b = torch.zeros(n, num_betas, dtype=rot.dtype, device=rot.device)
        if betas is not None:
            given = betas.reshape(n, -1)[:, :num_betas]
            b[:, : given.shape[1]] = given
        vertices, joints = lbs(b, rot, self.v_template, self.shapedirs, self.posedirs,
                               self.J_regressor, self.parents, self.lbs_weights, pose2rot=False)
        joints = joints[:, self.joint_map]
        if trans is not None:
            t = trans.reshape(n, 1, 3)
            joints, vertices = joints + t, vertices + t
        return {"joints": joints.reshape(*lead, 24, 3), "vertices": vertices.reshape(*lead, -1, 3)}


def smpl_model_path(kind: str = "smpl", gender: str = "neutral", models_dir: Path = config.MODELS_DIR) -> Path:
    """Where the user is asked to put the model file of ``kind`` ("smpl" or "smplh")."""
    if kind == "smpl":
        return Path(models_dir) / "smpl" / f"SMPL_{gender.upper()}.pkl"
    if kind == "smplh":
        return Path(models_dir) / "smplh" / gender.lower() / "model.npz"
    raise ValueError(f"unknown SMPL model kind {kind!r}; choose smpl or smplh")


def load_body_model(kind: str = "auto", gender: str = "neutral", models_dir: Path = config.MODELS_DIR) -> nn.Module:
    """Body-model factory shared by training, generation and evaluation.

    Args:
        kind: "builtin", "smpl", "smplh" or "auto" (the first SMPL-family file found, else builtin).
        gender: "neutral", "male" or "female" (SMPL-family files only).
        models_dir: folder holding ``smpl/`` and ``smplh/``.
    Raises:
        MissingBodyModelError: ``kind`` names a real model whose file is absent.
    """
    if kind == "builtin":
        return BuiltinSkeleton()
    if kind == "auto":
        for candidate in ("smpl", "smplh"):
            if smpl_model_path(candidate, gender, models_dir).is_file():
                return SMPLFamilyBody(smpl_model_path(candidate, gender, models_dir))
        return BuiltinSkeleton()
    return SMPLFamilyBody(smpl_model_path(kind, gender, models_dir))


class Rotation2xyz(nn.Module):
    """Joint positions from pose features in any rotation representation.

    Args:
        body_model: a module from ``load_body_model``.
    """

    def __init__(self, body_model: nn.Module):
        super().__init__()
        self.body_model = body_model

    def forward(self, poses: torch.Tensor, pose_rep: str, trans: Optional[torch.Tensor] = None,
                betas: Optional[torch.Tensor] = None, num_joints: int = config.NUM_BODY_JOINTS) -> torch.Tensor:
        """(..., 24, C) poses in ``pose_rep``, (..., 3) trans -> (..., num_joints, 3) positions."""
        rotmats = rotation.to_matrix(poses, pose_rep)
        return self.body_model(rotmats, trans, betas)["joints"][..., :num_joints, :]
