"""Configurations of NCA training. Defaults are the papers' recipes shrunk to fit a 2-core CPU;
`paper_grow` / `paper_texture` give the published sizes (the CLI's ``--paper``)."""

from __future__ import annotations

from dataclasses import dataclass, field

GROW_MODES = ("growing", "persistent", "regenerating")


@dataclass(frozen=True)
class GrowConfig:
    """Growing NCA (Mordvintsev et al., Distill 2020), CPU-sized.

    The paper: 40-px emoji padded by 16 (72²), pool 1024, batch 8, 64–96 steps, 8000 iterations.
    """

    target: str = "lizard"
    mode: str = "regenerating"
    target_size: int = 24
    pad: int = 6
    fire_rate: float = 0.5
    pool_size: int = 256
    batch: int = 8
    min_steps: int = 40
    max_steps: int = 56
    lr: float = 2e-3
    lr_decay_at: int = 2000
    lr_decay: float = 0.1
    iterations: int = 2000
    damage_count: int = 3
    # Replace the batch's worst sample by the seed every this many iterations (the paper: 1).
    # A pool sample lives about batch × rollout × reseed_every steps, so a smaller batch and
    # shorter rollouts than the paper's can keep its persistence horizon with a larger value.
    reseed_every: int = 1
    seed: int = 0
    # A growing model to start from (``zoo:NAME`` or a run folder): fine-tuning a rule that
    # already grows its target under new pool or rollout settings (None: fresh weights).
    init: str | None = None


@dataclass(frozen=True)
class PatchLossConfig:
    """Patch sliced-Wasserstein loss (see `losses.PatchLoss`)."""

    levels: int = 5
    patch: int = 5
    n_patches: int = 1024
    projections: int = 32


@dataclass(frozen=True)
class TextureConfig:
    """Texture NCA / μNCA training (Niklasson et al. 2021; Mordvintsev & Niklasson 2021).

    CPU defaults: a μNCA-588 on a 64² grid, batch 4, 32–64 steps. The paper-size μNCA run:
    128², pool 256, 32–128 steps, 10k iterations.
    """

    exemplar: str = "brick"
    model: str = "micro-588"
    exemplar_size: int = 128
    size: int = 64
    pool_size: int = 256
    batch: int = 4
    min_steps: int = 32
    max_steps: int = 64
    reseed_every: int = 8
    lr: float = 1e-3
    lr_decay_at: tuple[int, ...] = (1000, 4000)
    lr_decay: float = 0.3
    iterations: int = 1000
    overflow_weight: float = 1.0
    loss: PatchLossConfig = field(default_factory=PatchLossConfig)
    vgg_weights: str | None = None  # a local VGG16 .npz/.h5: train on the Gram style loss instead
    stability_every: int = 0
    stability_steps: int = 3000
    seed: int = 0


def paper_grow(cfg: GrowConfig) -> GrowConfig:
    """The published growing-NCA sizes, keeping target/mode/seed."""
    from dataclasses import replace

    return replace(cfg, target_size=40, pad=16, pool_size=1024, batch=8, min_steps=64,
                   max_steps=96, iterations=8000)


def paper_texture(cfg: TextureConfig) -> TextureConfig:
    """The published texture / μNCA sizes, keeping exemplar/model/seed."""
    from dataclasses import replace

    if cfg.model == "texture":
        return replace(cfg, exemplar_size=256, size=128, pool_size=1024, min_steps=32,
                       max_steps=96, iterations=5000, lr=2e-3, lr_decay_at=(1000,),
                       lr_decay=0.1, reseed_every=4)
    return replace(cfg, exemplar_size=256, size=128, pool_size=256, min_steps=32,
                   max_steps=128, iterations=10000, stability_every=500)


@dataclass(frozen=True)
class RunConfig:
    """`selforg nca run`: a trained model rolled out from its seed.

    Attributes:
        model: ``zoo:<name>``, a run folder, a checkpoint or a μNCA ``.bin``.
        size: grid ``(H, W)``; None: the grid it was trained on.
        steps: total steps.
        every: keep a frame every this many steps.
        seed: the seed state's noise (μNCA) and the fire-rate masks.
        angle: rotate the perception by this many degrees.
        damage_at: erase a disc after this step (None: no damage).
        png, gif, mp4: extra copies of the final image / the frames, written where asked (the
            run folder always holds final.png and rollout.gif).
    """

    model: str = "zoo:lizard"
    size: tuple[int, int] | None = None
    steps: int = 500
    every: int = 5
    seed: int = 0
    angle: float = 0.0
    damage_at: int | None = None
    png: str | None = None
    gif: str | None = None
    mp4: str | None = None


@dataclass(frozen=True)
class QuantizeConfig:
    """`selforg nca quantize`: a μNCA at one byte per parameter, scored against its float form.

    Attributes:
        model: a μNCA run folder, checkpoint, ``.bin`` or ``zoo:<name>``.
        out: the byte file (None: ``quantized.bin`` in the model's run folder, or a new folder
            ``runs/nca-quantize/<time>-<name>/`` for a zoo model or a ``.bin``).
        steps: rollout length of the float-vs-int8 comparison.
        seed: seed of that rollout.
    """

    model: str = "zoo:brick"
    out: str | None = None
    steps: int = 1000
    seed: int = 0


@dataclass(frozen=True)
class ExportConfig:
    """`selforg nca export`: a μNCA as a GLSL fragment shader and/or a standalone C program.

    Attributes:
        model: a μNCA run folder, checkpoint, ``.bin`` or ``zoo:<name>`` (float models are
            quantised to int8 first).
        glsl: the shader file to write (None: none).
        c: the C program to write (None: none).
    """

    model: str = "zoo:brick"
    glsl: str | None = None
    c: str | None = None


@dataclass(frozen=True)
class EvalConfig:
    """`selforg nca eval`: how close a trained model comes to its exemplar or target.

    Attributes:
        model: ``zoo:<name>``, a run folder or a checkpoint.
        seed: seed of the evaluation rollouts.
    """

    model: str = "zoo:brick"
    seed: int = 0


@dataclass(frozen=True)
class ZooConfig:
    """`selforg nca zoo`: the trained models shipped with the package.

    Attributes:
        kind: only ``"grow"`` or only ``"texture"`` models (None: all).
    """

    kind: str | None = None


@dataclass(frozen=True)
class SheetConfig:
    """`selforg nca contact-sheet`: every zoo texture beside its exemplar, as one labelled PNG.

    Attributes:
        png: the PNG to write (required).
        models: zoo texture names (empty: every texture in the zoo, in the index's order).
        steps: steps run from the seed before the picture is taken.
        seed: the seed state's noise and the fire-rate masks.
    """

    png: str | None = None
    models: tuple[str, ...] = ()
    steps: int = 3000
    seed: int = 0
