"""Seed and setting sweeps of the learned systems: every point's command goes through the
system's own CLI and arrives in its config dataclass with the grid's value (the library call
is stopped there, so nothing trains)."""

import importlib

import pytest

from selforg.cli import main
from selforg.sweep.grid import parse_grid, points
from selforg.sweep.points import check_target, point_argv


class Captured(BaseException):  # not an Exception: passes through the CLI's error handling
    def __init__(self, cfg, kw):
        super().__init__("captured")
        self.cfg, self.kw = cfg, kw


def _capture(monkeypatch, module, name):
    def fake(cfg, **kw):
        raise Captured(cfg, kw)

    monkeypatch.setattr(importlib.import_module(module), name, fake)


CASES = [
    (("logic", "train", "lizard"), ["seed=0:3"], "selforg.logic.train", "train",
     lambda c: {"seed": str(c.seed)}, {"experiment": "lizard"}),
    (("logic", "train", "life", "--iterations", "50"), ["seed=4,5", "lr=0.05,0.1"],
     "selforg.logic.train", "train", lambda c: {"seed": str(c.seed), "lr": f"{c.lr:g}"},
     {"experiment": "life", "iters": 50}),
    (("nca", "texture", "train", "brick", "--model", "micro-68"), ["seed=0,1", "batch=4,8"],
     "selforg.nca.texture", "train_texture",
     lambda c: {"seed": str(c.seed), "batch": str(c.batch)}, {"model": "micro-68"}),
    (("nca", "grow", "train", "lizard"), ["seed=0:2"], "selforg.nca.grow", "train_grow",
     lambda c: {"seed": str(c.seed)}, {}),
    (("icl", "gd"), ["lr=0.001,0.003", "seed=0:2"], "selforg.icl", "gd",
     lambda c: {"lr": f"{c.lr:g}", "seed": str(c.seed)}, {}),
    (("icl", "gdpp", "--layers", "3"), ["batch=256,512"], "selforg.icl", "gdpp",
     lambda c: {"batch": str(c.batch)}, {"layers": 3}),
]


@pytest.mark.parametrize("target, grid, module, name, read, fixed", CASES)
def test_grid_maps_onto_the_config(target, grid, module, name, read, fixed, monkeypatch,
                                   tmp_path):
    grids = [parse_grid(g) for g in grid]
    check_target(list(target), grids)
    _capture(monkeypatch, module, name)
    seen = []
    for i, p in enumerate(points(grids)):
        folder = tmp_path / f"p{i}"
        with pytest.raises(Captured) as got:
            main(point_argv(list(target), p, folder, resume=False))
        cfg, kw = got.value.cfg, got.value.kw
        assert read(cfg) == {k: f"{float(v):g}" if k == "lr" else v for k, v in p.items()}
        assert all(getattr(cfg, k) == v for k, v in fixed.items())
        assert str(kw["out"]) == str(folder)
        seen.append(cfg)
    assert len(set(seen)) == len(seen)  # every point a different run


def test_devices_is_an_option_of_every_trainer():
    from selforg.sweep.points import leaf_parser

    for target in (["nca", "texture", "train"], ["nca", "grow", "train"], ["logic", "train"],
                   ["icl", "gd"], ["icl", "gdpp"], ["icl", "mesa"], ["icl", "sine"]):
        parser, _ = leaf_parser(target)
        assert "--devices" in {s for a in parser._actions for s in a.option_strings}, target
