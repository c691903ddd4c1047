"""Configurations of the reaction-diffusion verbs. Training defaults are the paper's recipe
shrunk to fit a 2-core CPU (64² grid, a few hundred to a few thousand iterations; the authors'
released models ran ~20,000 iterations at 128²)."""

from __future__ import annotations

from dataclasses import dataclass, field

from selforg.nca.config import PatchLossConfig

DIFFUSION_MAPS = ("ramp", "radial")


@dataclass(frozen=True)
class TrainConfig:
    """`selforg rd train`: a learned RD texture on an exemplar (the nca pool / BPTT / patch
    sliced-Wasserstein machinery; the field names are `selforg.nca.TextureConfig`'s).

    Attributes:
        exemplar: a built-in image name (``selforg data``) or an image file.
        exemplar_size: the exemplar's side in pixels.
        size: the training grid's side.
        channels, hidden: the rule's shape (32, 128: 8,320 parameters).
        diffusion: ``"fixed"`` (the default: a log-spaced spread d_min..d_max, so the pattern
            scale is D's alone) or ``"learned"`` (softplus, starting from that spread).
        d_min, d_max: the spread of the diffusion coefficients.
        dt: the Euler step.
        pool_size, batch, min_steps, max_steps, reseed_every: the pool and rollout lengths
            (a rollout runs uniform in [min_steps, max_steps) steps).
        lr, lr_decay_at, lr_decay: Adam, the rate ×lr_decay at each iteration of lr_decay_at.
        iterations: training length (extendable with --resume).
        overflow_weight: weight of Σ|s − clip(s, −1, 1)|.
        loss: the patch loss settings.
        vgg_weights: always None here (the field exists for the shared training step).
        seed: the model, pool and training randomness.
    """

    exemplar: str = "brick"
    exemplar_size: int = 128
    size: int = 64
    channels: int = 32
    hidden: int = 128
    diffusion: str = "fixed"
    d_min: float = 0.025
    d_max: float = 0.25
    dt: float = 1.0
    pool_size: int = 128
    batch: int = 4
    min_steps: int = 32
    max_steps: int = 64
    reseed_every: int = 8
    lr: float = 1e-3
    lr_decay_at: tuple[int, ...] = (1000, 2000)
    lr_decay: float = 0.3
    iterations: int = 1000
    overflow_weight: float = 1.0
    loss: PatchLossConfig = field(default_factory=PatchLossConfig)
    vgg_weights: str | None = None
    seed: int = 0


@dataclass(frozen=True)
class RunConfig:
    """`selforg rd run`: a trained rule rolled out from blobs, optionally under a diffusion
    scale or map.

    Attributes:
        model: ``zoo:<name>`` or a run folder (or a model / checkpoint file inside one).
        size: grid ``(H, W)``; None: the training grid.
        steps: total steps.
        every: a frame every this many steps.
        seed: the blobs of the seed state.
        diffusion_scale: multiplies every D (c: the pattern scale becomes √c times larger).
        diffusion_map: ``"ramp"`` (m from 1 at the left to `map_max` at the right),
            ``"radial"`` (1 at the centre, `map_max` at the corners) or a greyscale image
            (black 1, white `map_max`); None: uniform.
        map_max: the largest value of the map (its smallest is 1).
        png, gif, mp4: extra copies of the final image / the frames.
    """

    model: str = "zoo:dots"
    size: tuple[int, int] | None = None
    steps: int = 1000
    every: int = 10
    seed: int = 0
    diffusion_scale: float = 1.0
    diffusion_map: str | None = None
    map_max: float = 4.0
    png: str | None = None
    gif: str | None = None
    mp4: str | None = None


@dataclass(frozen=True)
class EvalConfig:
    """`selforg rd eval`: texture distance to the exemplar at the training horizon and at 10×.

    Attributes:
        model: ``zoo:<name>`` or a run folder.
        seed: seed of the evaluation rollouts.
        samples: rollouts averaged.
    """

    model: str = "zoo:dots"
    seed: int = 0
    samples: int = 2


@dataclass(frozen=True)
class GrayScottConfig:
    """`selforg rd gray-scott`: the two-species Gray–Scott model (the authors' demo's
    discretisation: the /16 9-point Laplacian, dt = 1, Du = 1, Dv = 0.5).

    Attributes:
        preset: a named (F, k) regime (see `grayscott.PRESETS`); ignored where f and k are
            both given.
        f, k: feed and kill rates (override the preset's).
        size: grid side.
        steps: steps to run.
        every: a GIF frame every this many steps.
        du, dv, dt: diffusion of u and v, time step.
        start: the initial state, ``"square"`` (Pearson's) or ``"gaussian"`` (the demo's blob).
        seed: the seed's noise.
    """

    preset: str = "spots"
    f: float | None = None
    k: float | None = None
    size: int = 128
    steps: int = 5000
    every: int = 50
    du: float = 1.0
    dv: float = 0.5
    dt: float = 1.0
    start: str = "square"
    seed: int = 0


@dataclass(frozen=True)
class ZooConfig:
    """`selforg rd zoo`: the trained rules shipped with the package (no options)."""
