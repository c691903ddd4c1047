"""Configurations of Mesh NCA. Defaults are the authors' recipe shrunk to a 2-core CPU: an
icosphere-4 (2,562 vertices; the paper: 40,962), 3 views of 128² (the code: 3 of 320²), the
patch sliced-Wasserstein loss in place of VGG16, 1,500 iterations (the paper: up to 4,000)."""

from __future__ import annotations

from dataclasses import dataclass, field

from selforg.nca.config import PatchLossConfig

MASKS = ("height", "x", "radial")


@dataclass(frozen=True)
class TrainConfig:
    """`selforg mesh train`: a texture grown on a training mesh, learned from 2D renders.

    Attributes:
        exemplar: built-in exemplar name or an image file.
        mesh: the training mesh (built-in name or file).
        views: random views rendered per iteration.
        size: render side in pixels.
        exemplar_size: the exemplar is resized to this side.
        view_bank: cameras drawn once (azimuth U(0°, 360°), elevation arcsin U(−1, 1)); each
            iteration renders `views` of them, chosen at random.
        pool_size, batch: the sample pool and the samples per iteration.
        min_steps, max_steps: each rollout is U{min..max} steps long (both included).
        reseed_every: replace the batch's first sample by a fresh seed every this many
            iterations.
        lr, lr_decay_at, lr_decay: Adam, the rate multiplied by `lr_decay` at those iterations.
        iterations: training length (extendable with --resume: the schedule is by absolute
            iteration).
        appearance_weight: weight of the texture loss.
        overflow_weight: weight of ``mean |s − clip(s, −1, 1)|``.
        loss: the patch sliced-Wasserstein settings.
        init: a mesh model to start from (fine-tuning keeps the hidden channels of the first
            model compatible, which grafting needs); None: fresh weights.
        seed: PRNG seed.
    """

    exemplar: str = "brick"
    mesh: str = "icosphere-4"
    views: int = 3
    size: int = 128
    exemplar_size: int = 128
    view_bank: int = 48
    pool_size: int = 256
    batch: int = 1
    min_steps: int = 15
    max_steps: int = 24
    reseed_every: int = 16
    lr: float = 1e-3
    lr_decay_at: tuple[int, ...] = (1000, 2000)
    lr_decay: float = 0.3
    iterations: int = 1500
    appearance_weight: float = 2.0
    overflow_weight: float = 1e4
    loss: PatchLossConfig = field(default_factory=lambda: PatchLossConfig(levels=4))
    init: str | None = None
    seed: int = 0


@dataclass(frozen=True)
class RunConfig:
    """`selforg mesh run`: a trained rule grown on any mesh.

    Attributes:
        model: ``zoo:NAME``, a training run folder or a model file.
        mesh: built-in name or a mesh file (OBJ/PLY/GLB/STL/OFF).
        steps: rollout length from the seed.
        subdivide: split every triangle into four this many times first (denser vertices:
            smaller texture features).
        size: turntable render side.
        frames: turntable frames (one full turn while the texture keeps living).
        seed: seed of the rollout.
        ply, glb, gif, mp4, png: files to write (the coloured mesh, the turntable, a still);
            None: not written.
    """

    model: str = "zoo:brick"
    mesh: str = "torus"
    steps: int = 200
    subdivide: int = 0
    size: int = 192
    frames: int = 48
    seed: int = 0
    ply: str | None = None
    glb: str | None = None
    gif: str | None = None
    mp4: str | None = None
    png: str | None = None


@dataclass(frozen=True)
class EvalConfig:
    """`selforg mesh eval`: texture distance of renders to the exemplar, mesh by mesh.

    Attributes:
        model: ``zoo:NAME``, a run folder or a model file.
        meshes: the meshes besides the training one (built-in names or files).
        steps: rollout length before the renders.
        long_steps: a second, long rollout (the texture must stay bounded).
        views: fixed cameras per mesh.
        seed: seed of the rollouts.
    """

    model: str = "zoo:brick"
    meshes: tuple[str, ...] = ("torus", "capsule", "peanut", "cube", "blob")
    steps: int = 200
    long_steps: int = 2000
    views: int = 8
    seed: int = 0


@dataclass(frozen=True)
class GraftConfig:
    """`selforg mesh graft`: two rules' updates mixed per vertex by a mask over the mesh.

    Attributes:
        model_a, model_b: the two rules (B fine-tuned from A, so their channels agree).
        mesh: the mesh to grow on.
        mask: ``height`` (A below, B above), ``x`` (left / right), ``radial`` (B near the
            point of the mesh nearest +z, A far from it), or a file of V numbers in [0, 1].
        sharpness: width of the blend between the two (in units of the unit sphere).
        steps, size, frames, seed: as `RunConfig`.
        ply, glb, gif, mp4, png: files to write (None: not written).
    """

    model_a: str = "zoo:brick"
    model_b: str = "zoo:grass"
    mesh: str = "icosphere-4"
    mask: str = "height"
    sharpness: float = 0.1
    steps: int = 200
    size: int = 192
    frames: int = 48
    seed: int = 0
    ply: str | None = None
    glb: str | None = None
    gif: str | None = None
    mp4: str | None = None
    png: str | None = None


@dataclass(frozen=True)
class ZooConfig:
    """`selforg mesh zoo` (no options)."""
