"""`selforg nca contact-sheet`: one labelled row per zoo texture, numbers printed as JSON."""

import json

import numpy as np

from selforg.cli import main
from selforg.core import media
from selforg.core.texture_judge import structure_distance
from selforg.nca import SheetConfig, contact_sheet
from selforg.nca.images import load_exemplar


def test_one_row_with_the_judges_numbers(tmp_path, capsys):
    png = tmp_path / "sheet.png"
    assert main(["nca", "contact-sheet", "brick", "--steps", "20", "--png", str(png)]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["model"] for r in rows] == ["brick"]
    row = rows[0]
    assert (row["floor"]["size"], row["train"]["size"], row["double"]["size"]) == (32, 32, 64)
    assert row["floor"]["chroma"] == 0.0  # crops of a grey exemplar
    img = media.load_image(str(png), mode="RGB")
    # a row: the exemplar shown 256 px high, its captions below; three columns
    assert img.shape[0] > 256 and img.shape[1] > 3 * 256
    # the numbers are the judge's on the pictures' images
    ex = load_exemplar("brick", 64)
    res = contact_sheet(SheetConfig(png=str(tmp_path / "again.png"), models=("brick",),
                                    steps=20))
    assert res.rows[0] == row
    assert 0.0 < row["train"]["structure"] == structure_distance(_train_image(20), ex)


def _train_image(steps):
    import jax

    from selforg.nca.rollout import run_steps
    from selforg.nca.store import load_model

    m = load_model("zoo:brick").model
    key = jax.random.PRNGKey(0)
    x = run_steps(m, m.seed((1, 32, 32), key), steps, jax.random.fold_in(key, 1))
    return np.asarray(m.rgb(x))[0]


def test_refusals(tmp_path, capsys):
    assert main(["nca", "contact-sheet", "lizard", "--png", str(tmp_path / "a.png")]) == 2
    assert "not a texture in the zoo" in capsys.readouterr().err
    assert main(["nca", "contact-sheet", "brick", "--png", str(tmp_path)]) == 2
    assert not (tmp_path / "a.png").exists()
