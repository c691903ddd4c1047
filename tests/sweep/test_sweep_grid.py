"""Grid parsing: ranges, lists and free text become the points of a sweep; bad grids and bad
sweep commands are refused in one line (exit 2) before Ray starts."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from selforg.cli import main
from selforg.core.errors import BadInput
from selforg.sweep.grid import parse_grid, point_name, points

ints = st.integers(-1000, 1000)


@given(ints, st.integers(1, 200), st.integers(1, 7))
def test_range_is_pythons(start, length, step):
    stop = start + length
    g = parse_grid(f"seed={start}:{stop}:{step}")
    assert g.values == tuple(str(v) for v in range(start, stop, step))
    assert parse_grid(f"seed={start}:{stop}").values == tuple(
        str(v) for v in range(start, stop))


@given(st.lists(st.one_of(ints.map(str), st.sampled_from(["1/4096", "0.5", "zoo:brick",
                                                           "64x64", "1e-3"])),
                min_size=1, max_size=8, unique=True))
def test_lists_keep_text_and_order(values):
    g = parse_grid("mutation_rate=" + ",".join(values))
    assert g.name == "mutation-rate" and g.option == "--mutation-rate"
    assert g.values == tuple(values)


@given(st.lists(st.integers(1, 5), min_size=1, max_size=3))
def test_product_first_grid_slowest(sizes):
    grids = [parse_grid(f"g{i}=0:{n}") for i, n in enumerate(sizes)]
    pts = points(grids)
    assert len(pts) == int(__import__("math").prod(sizes))
    assert pts[0] == {f"g{i}": "0" for i in range(len(sizes))}
    assert pts[-1] == {f"g{i}": str(n - 1) for i, n in enumerate(sizes)}
    assert len({point_name(p) for p in pts}) == len(pts)


def test_examples():
    assert parse_grid("seed=0:64").values == tuple(str(i) for i in range(64))
    assert parse_grid("seed=0,1,5").values == ("0", "1", "5")
    assert parse_grid("mutation-rate=1/4096,0").values == ("1/4096", "0")
    assert parse_grid("seed=0:4,10").values == ("0", "1", "2", "3", "10")
    assert point_name({"seed": "3", "mutation-rate": "1/4096"}) == "seed=3,mutation-rate=1_4096"


@pytest.mark.parametrize("text, words", [
    ("seed", "NAME=VALUES"), ("=1,2", "NAME=VALUES"), ("seed=", "empty value"),
    ("seed=1,,2", "empty value"), ("seed=5:5", "empty"), ("seed=0:4:0", "step 0"),
    ("seed=1,1", "repeated"), ("seed=0:3,2", "repeated"),
])
def test_bad_grids(text, words):
    with pytest.raises(BadInput, match=words):
        parse_grid(text)


@pytest.mark.parametrize("argv, words", [
    (["soup", "run", "--grid", "3x", "--grid", "seed=0:2"], "not a size"),  # soup's --grid WxH
    (["soup", "run", "--grid", "sed=0:2"], "no option --sed"),
    (["soup", "run", "--grid", "programs=7"], "even"),
    (["soup", "run", "--grid", "seed=0:2", "--grid", "seed=3"], "given twice"),
    (["soup", "run", "--seed", "1", "--grid", "seed=0:2"], "in one place"),
    (["soup", "show", "--grid", "top=1,2"], "no --out"),
    (["soup", "run", "--grid", "zero-init=maybe"], "switch"),
    (["soup", "walk", "--grid", "seed=0:2"], "name one of"),
    (["cobol", "--grid", "seed=0:2"], "name a system"),
    (["soup", "run", "--grid", "seed=0:2"], "--out DIR"),
    (["soup", "run"], "--grid"),
    (["soup", "run", "--grid", "seed=0:2", "--workers", "0"], "--workers"),
])
def test_bad_sweeps_exit_2(argv, words, capsys, tmp_path):
    if "--out" not in argv and words != "--out DIR":
        argv = [*argv, "--out", str(tmp_path / "sw")]
    code = main(["sweep", *argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert words in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "sw").exists()


def test_resume_needs_a_sweep_folder(capsys, tmp_path):
    assert main(["sweep", "--resume", str(tmp_path)]) == 2
    assert "not a sweep folder" in capsys.readouterr().err


def test_help_is_fast_and_names_the_options(capsys):
    assert main(["sweep", "--help"]) == 0
    out = capsys.readouterr().out
    for word in ("--grid", "--address", "--workers", "--cpus-per-task", "--resume", "plot"):
        assert word in out
