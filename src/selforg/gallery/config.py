"""Settings of `selforg gallery` (frozen, so a gallery folder's config.json loads back)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GalleryConfig:
    """`build`: which models go into the gallery.

    Attributes:
        models: extra μNCA models for pages of their own (run folders, checkpoints, ``.bin``
            files or ``zoo:NAME``), beside every zoo model.
        soups: recorded soup run folders to show; none: a small demo soup is recorded.
        zoo: include every zoo model (μNCA textures, logic circuits).
        demo_soup: record the demo soup when `soups` is empty (about 10 s).
        nca_size: grid side of the μNCA pages at start.
    """

    models: tuple[str, ...] = ()
    soups: tuple[str, ...] = ()
    zoo: bool = True
    demo_soup: bool = True
    nca_size: int = 128
