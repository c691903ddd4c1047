"""The top-level CLI: help lists the systems, bad input is one line and exit 2, the tour page."""

from selforg.cli import SYSTEMS, main


def test_help_lists_every_system(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for name in SYSTEMS:
        assert name in text


def test_unknown_system_is_one_line_exit_2(capsys):
    assert main(["bogus"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bogus" in err


def test_data_list(capsys):
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "brick" in out and "lizard" in out


def test_data_show_bad_image_exit_2(capsys, tmp_path):
    assert main(["data", "show", str(tmp_path / "missing.png")]) == 2
    assert "missing.png" in capsys.readouterr().err


def test_tour_rejects_unknown_part(capsys, tmp_path):
    assert main(["tour", "--out", str(tmp_path), "--only", "nope"]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and len(err.strip().splitlines()) == 1


def test_exemplar_page(tmp_path):
    from selforg.tour import run_tour

    index, failed = run_tour(tmp_path, systems=[])
    assert failed == []
    assert "exemplars.png" in index.read_text()
    assert (tmp_path / "data" / "exemplars.png").stat().st_size > 1000
