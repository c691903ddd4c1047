"""The CLI: bad input exits 2 with one line; a tiny end-to-end train → quantize → run → eval."""

import json

import pytest

from selforg.cli import main


@pytest.mark.parametrize(
    "argv, words",
    [
        (["nca", "texture", "train", "no-such-image.png"], "neither a file nor a built-in"),
        (["nca", "texture", "train", "brick", "--size", "4"], "grid size 4"),
        (["nca", "texture", "train", "brick", "--min-steps", "9", "--max-steps", "5"], "min < max"),
        (["nca", "texture", "train", "brick", "--model", "micro-7"], "invalid choice"),
        (["nca", "grow", "train", "lizard", "--batch", "0"], "must be ≥ 1"),
        (["nca", "grow", "train", "no-such-emoji"], "neither a file nor a built-in"),
        (["nca", "grow", "train", "lizard", "--mode", "sleeping"], "invalid choice"),
        (["nca", "run", "zoo:no-such-model"], "no zoo model"),
        (["nca", "run", "/no/such/run"], "does not exist"),
        (["nca", "eval", "zoo:no-such-model"], "no zoo model"),
        (["nca", "run", "zoo:x", "--size", "0x5"], "must be ≥ 1"),
        (["nca", "quantize", "zoo:brick", "--out", "x.dat"], "must end in .bin"),
        (["nca", "quantize", "zoo:lizard", "--out", "x.bin"], "not a μNCA"),
        (["nca", "texture", "train", "--resume", "/no/such/run"], "no/such/run"),
    ],
)
def test_bad_input_exits_2(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1


def test_unreadable_image_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    assert main(["nca", "texture", "train", str(bad), "--out", str(tmp_path / "r")]) == 2
    assert "cannot read image" in capsys.readouterr().err
    empty = tmp_path / "empty.png"
    from PIL import Image

    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(empty)
    assert main(["nca", "grow", "train", str(empty), "--out", str(tmp_path / "g")]) == 2
    assert "transparent" in capsys.readouterr().err


def test_zoo_lists_names_first(capsys):
    from selforg.nca.store import zoo_index

    assert main(["nca", "zoo"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [ln.split("\t")[0] for ln in lines] == list(zoo_index())


def test_tiny_texture_run_end_to_end(tmp_path, capsys):
    run = tmp_path / "run"
    argv = ["nca", "texture", "train", "brick", "--model", "micro-68", "--size", "16",
            "--exemplar-size", "32", "--iterations", "2", "--batch", "2", "--pool", "4",
            "--min-steps", "4", "--max-steps", "6", "--quiet", "--out", str(run)]
    assert main(argv) == 0
    for name in ("config.json", "metrics.jsonl", "model.npz", "final.png", "rollout.gif",
                 "rollout.mp4", "stability.png", "plots/loss.png", "checkpoints/latest.npz",
                 "checkpoints/best.npz"):
        assert (run / name).is_file(), name
    capsys.readouterr()
    assert main(["nca", "quantize", str(run)]) == 0
    q = json.loads(capsys.readouterr().out)
    assert q["bytes"] == 68 and (run / "quantized.bin").stat().st_size == 68
    assert q["int8_distance"] == pytest.approx(q["float_distance"], rel=0.2, abs=1e-3)
    gif = tmp_path / "x.gif"
    assert main(["nca", "run", str(run / "quantized.bin"), "--size", "24x20", "--steps", "20",
                 "--damage-at", "10", "--angle", "30", "--gif", str(gif),
                 "--png", str(tmp_path / "x.png")]) == 0
    assert gif.is_file() and (tmp_path / "x.png").is_file()
    assert main(["nca", "run", str(run), "--steps", "5", "--damage-at", "9",
                 "--png", str(tmp_path / "y.png")]) == 2
    capsys.readouterr()
    assert main(["nca", "eval", str(run)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"distance_1000", "distance_3000", "floor", "ceiling"} <= set(out)
    assert out["floor"] < out["ceiling"]
    assert set(out["structure"]) == {"distance_1000", "distance_3000", "floor", "rotated",
                                     "ceiling"}
    assert out["structure"]["floor"] < out["structure"]["ceiling"]
    assert set(out["chroma"]) == {"model", "exemplar"}


def test_zoo_models_load_and_run(tmp_path):
    from selforg.nca.model import GrowingNCA, MicroNCA, param_count
    from selforg.nca.store import load_model, zoo_index

    index = zoo_index()
    kinds = [e["kind"] for e in index.values()]
    assert kinds.count("texture") >= 3 and "grow" in kinds
    for name, entry in index.items():
        assert entry["command"].startswith("selforg nca "), name
        m = load_model(f"zoo:{name}")
        if entry["kind"] == "texture":
            assert isinstance(m.model, MicroNCA)
            # byte files hold one byte per parameter; .npz files the float weights
            assert (m.quantized is not None) == entry["file"].endswith(".bin")
            if m.quantized is not None:
                assert m.quantized.nbytes == param_count(m.model)
        else:
            assert isinstance(m.model, GrowingNCA) and param_count(m.model) == 8336
    texture = next(n for n, e in index.items() if e["kind"] == "texture")
    png = tmp_path / "z.png"
    assert main(["nca", "run", f"zoo:{texture}", "--steps", "10", "--size", "40",
                 "--png", str(png)]) == 0
    assert png.is_file()


@pytest.mark.parametrize("option", ["--png", "--gif", "--mp4"])
@pytest.mark.parametrize("where", ["dir", "missing-parent"])
def test_run_output_files_refuse_folders_and_missing_parents(option, where, tmp_path, capsys):
    target = str(tmp_path) if where == "dir" else str(tmp_path / "no" / "such" / "x.out")
    assert main(["nca", "run", "zoo:gravel", "--steps", "2", option, target]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and option in err
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("argv", [
    ["nca", "export", "zoo:gravel", "--c", "{dir}"],
    ["nca", "export", "zoo:gravel", "--glsl", "{missing}"],
    ["nca", "quantize", "zoo:gravel", "--out", "{dir}"],
    ["nca", "quantize", "zoo:gravel", "--out", "{missing}"],
])
def test_export_and_quantize_output_files_exit_2(argv, tmp_path, capsys):
    argv = [a.format(dir=tmp_path, missing=tmp_path / "no" / "x.bin") for a in argv]
    assert main(argv) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_run_writes_its_run_folder_and_the_asked_files(tmp_path, capsys, _in_empty_folder):
    out = tmp_path / "r"
    png, mp4 = tmp_path / "a.png", tmp_path / "a.mp4"
    assert main(["nca", "run", "zoo:gravel", "--steps", "4", "--every", "2", "--size", "8",
                 "--out", str(out), "--png", str(png), "--mp4", str(mp4)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == str(out)
    assert {p.name for p in out.iterdir()} == {"config.json", "final.png", "rollout.gif"}
    assert png.is_file() and mp4.stat().st_size > 0
    assert list(_in_empty_folder.iterdir()) == []  # nothing in the current folder
    assert main(["nca", "run", "zoo:gravel", "--steps", "2", "--out", str(png)]) == 2  # a file


def test_every_verb_takes_quiet_and_every_option_states_its_default(capsys):
    import argparse

    from selforg.core.cli import Parser
    from selforg.nca.cli import add_parser

    root = Parser(prog="selforg")
    sub = root.add_subparsers(dest="command", parser_class=Parser)
    add_parser(sub)
    nca = sub.choices["nca"]

    def leaves(p, path):
        subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]  # noqa: SLF001
        if not subs:
            yield path, p
        for s in subs:
            for name, child in s.choices.items():
                yield from leaves(child, [*path, name])

    found = list(leaves(nca, ["nca"]))
    assert len(found) == 8
    for path, p in found:
        opts = {o for a in p._actions for o in a.option_strings}  # noqa: SLF001
        assert "--quiet" in opts, path
        for a in p._actions:  # noqa: SLF001
            if a.option_strings and a.dest not in ("help", "quiet", "paper", "resume", "out"):
                assert "default" in (a.help or ""), (path, a.dest)
