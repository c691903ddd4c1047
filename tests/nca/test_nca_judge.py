"""`nca eval`'s second judge on grids too small for it: no structure, chroma still reported."""

from selforg.nca.evaluation import evaluate_texture
from selforg.nca.images import load_exemplar
from selforg.nca.store import load_model


def test_a_grid_under_16_px_has_no_structure_but_its_chroma():
    model = load_model("zoo:brick").model
    got = evaluate_texture(model, load_exemplar("brick", 64), 12)
    assert got["structure"] is None
    assert got["chroma"]["exemplar"] == 0.0 and got["chroma"]["model"] > 0.0
