"""The gallery: static web pages where the trained models run live in the browser (WebGL2).

`build` writes a folder that opens from ``file://`` (no network, no CDN): an index and one page
per model — every μNCA texture of the nca zoo running the shader `selforg nca export --glsl`
writes, every logic CA circuit compiled to integer-texture shaders, every learned
reaction-diffusion rule and Mesh NCA rule, and a recorded soup run.
`serve` shows a folder over HTTP. Each model kind is one module that turns a model into a
`Page` (`selforg.gallery.page`) plus one script in ``assets/``.

Example:
    >>> from selforg.gallery import GalleryConfig, build
    >>> res = build(GalleryConfig(), out="gallery")          # doctest: +SKIP
    >>> res.index                                             # doctest: +SKIP
    PosixPath('gallery/index.html')
"""

from selforg.gallery.build import GalleryResult, build, serve
from selforg.gallery.config import GalleryConfig
from selforg.gallery.page import Page

__all__ = ["GalleryConfig", "GalleryResult", "Page", "build", "serve"]
