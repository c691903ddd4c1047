"""The shared CLI pieces: output files, the common options, --iterations, the base config."""

import argparse
from dataclasses import dataclass

import pytest

from selforg.core import cli
from selforg.core.errors import BadInput
from selforg.core.runs import open_run


def test_output_file_accepts_a_new_file_and_an_existing_one(tmp_path):
    assert cli.output_file(str(tmp_path / "a.png")) == tmp_path / "a.png"
    (tmp_path / "b.png").write_bytes(b"")
    assert cli.output_file(str(tmp_path / "b.png")) == tmp_path / "b.png"
    assert not (tmp_path / "a.png").exists()  # checking writes nothing


@pytest.mark.parametrize(
    "where, why",
    [
        ("folder", "is a folder"),
        ("missing", "does not exist"),
        ("under-a-file", "is not a folder"),
        ("read-only-folder", "is not writable"),
        ("read-only-file", "exists and is not writable"),
    ],
)
def test_output_file_refuses_in_one_line(tmp_path, where, why):
    (tmp_path / "f.txt").write_text("x")
    text = {
        "folder": str(tmp_path),
        "missing": str(tmp_path / "no" / "a.png"),
        "under-a-file": str(tmp_path / "f.txt" / "a.png"),
        # read-only even for root: procfs's sys folder and its files
        "read-only-folder": "/proc/sys/a.png",
        "read-only-file": "/proc/sys/kernel/ostype",
    }[where]
    with pytest.raises(argparse.ArgumentTypeError) as e:
        cli.output_file(text)
    message = str(e.value)
    assert why in message and text in message and len(message.splitlines()) == 1


def test_output_file_error_is_exit_2_through_a_parser(capsys):
    p = cli.Parser(prog="selforg demo")
    p.add_argument("--png", type=cli.output_file)
    with pytest.raises(SystemExit) as e:
        p.parse_args(["--png", "/nonexistent-folder/a.png"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "/nonexistent-folder" in err


def _parser(**kw):
    p = cli.Parser(prog="selforg demo")
    cli.add_common(p, **kw)
    return p


def test_seed_defaults_to_none_and_help_states_the_config_default():
    p = _parser(seed=3)
    assert p.parse_args([]).seed is None
    assert p.parse_args(["--seed", "5"]).seed == 5
    assert "random seed (default 3)" in p.format_help()
    assert not hasattr(_parser(seed=None).parse_args([]), "seed")


def test_add_iterations_with_aliases(capsys):
    p = cli.Parser(prog="selforg demo")
    cli.add_iterations(p, 500, aliases=("--iters",))
    assert p.parse_args([]).iterations is None
    assert p.parse_args(["--iterations", "7"]).iterations == 7
    assert p.parse_args(["--iters", "8"]).iterations == 8
    assert "default 500" in p.format_help()
    with pytest.raises(SystemExit):
        p.parse_args(["--iterations", "0"])
    # a prefix is not an option: it could mean another option elsewhere
    with pytest.raises(SystemExit):
        p.parse_args(["--iter", "8"])
    assert "--iter" in capsys.readouterr().err


@dataclass(frozen=True)
class Cfg:
    steps: int = 10
    lr: float = 0.1


def test_base_config_is_the_saved_one_when_resuming(tmp_path):
    p = _parser()
    assert cli.base_config(p.parse_args([]), Cfg, system="demo", verb="fit") == Cfg()
    given = Cfg(lr=0.5)
    assert cli.base_config(p.parse_args([]), Cfg, system="demo", verb="fit",
                           default=given) is given
    run = open_run("demo", "fit", Cfg(steps=4, lr=0.2), out=tmp_path / "r")
    args = p.parse_args(["--resume", str(run.path)])
    assert cli.base_config(args, Cfg, system="demo", verb="fit") == Cfg(steps=4, lr=0.2)
    with pytest.raises(BadInput, match="not 'other fit'"):
        cli.base_config(args, Cfg, system="other", verb="fit")
