"""`selforg tour`: the page says what it is, shows each section's command, and `--only X`
runs X again while the other sections stay on the page."""

import html
import json

import pytest

import selforg.tour as tour
from selforg.cli import main
from selforg.core.report import Media, Section, section_from_dict, section_to_dict

_real_part_of = tour.tour_part_of


def _fake(name, version):
    def part(out, *, quiet=True):
        (out / name).mkdir(parents=True, exist_ok=True)
        (out / name / "pic.png").write_bytes(b"")
        return Section(title=f"{name} section v{version}", summary="fake",
                       numbers={"n": version}, media=[Media(f"{name}/pic.png", "a picture")],
                       command=f"selforg {name} demo --v {version}" if name != "icl" else "")

    return part


@pytest.fixture
def fakes(monkeypatch):
    versions = {}

    def part_of(name):
        if name in versions:
            return _fake(name, versions[name])
        return _real_part_of(name)

    monkeypatch.setattr(tour, "tour_part_of", part_of)
    return versions


def test_only_one_part_keeps_the_other_sections(fakes, tmp_path, capsys):
    fakes.update({name: 1 for name in tour.TOUR_SYSTEMS})
    assert main(["tour", "--out", str(tmp_path), "--quiet"]) == 0
    page = (tmp_path / "index.html").read_text()
    assert "selforg is a toolkit" in page.split("<section>")[0]
    for name in tour.TOUR_SYSTEMS:
        assert f"{name} section v1" in page
    assert "selforg logic demo --v 1</code>" in page
    assert "selforg tour --only icl</code>" in page  # the default command of a part
    assert "built-in exemplars" in page

    fakes.update(logic=2)
    del fakes["soup"]  # the real soup part, tiny enough for a test
    capsys.readouterr()
    assert main(["tour", "--only", "soup,logic", "--out", str(tmp_path), "--quiet"]) == 0
    page = (tmp_path / "index.html").read_text()
    assert "logic section v2" in page and "logic section v1" not in page
    for name in ("icl", "nca"):
        assert f"{name} section v1" in page
    assert "built-in exemplars" in page
    assert "soup section v1" not in page
    soup = section_from_dict(json.loads((tmp_path / "sections" / "soup.json").read_text()))
    assert soup.title.startswith("soup: 4 hand-written self-replicators take over")
    assert soup.command.startswith("selforg soup run --programs 512")
    assert soup.command in html.unescape(page)
    for m in soup.media:
        assert (tmp_path / m.path).stat().st_size > 0
    assert any(m.path.endswith(".mp4") for m in soup.media)
    order = [page.index(t) for t in ("built-in exemplars", "soup: 4", "logic section",
                                     "icl section", "nca section")]
    assert order == sorted(order)


def test_a_failed_part_is_shown_and_exits_1(fakes, tmp_path, monkeypatch, capsys):
    def broken(out, *, quiet=True):
        raise RuntimeError("boom")

    monkeypatch.setattr(tour, "tour_part_of", lambda name: broken if name == "icl"
                        else _fake(name, 1))
    assert main(["tour", "--only", "icl,nca", "--out", str(tmp_path), "--quiet"]) == 1
    page = (tmp_path / "index.html").read_text()
    assert "icl: failed" in page and "boom" in page and "nca section v1" in page


def test_section_round_trips_through_json():
    s = Section("t", "s", {"a": 1, "b": 0.5, "c": "x"}, [Media("p.png", "c", "cmd")], 1.5, "go")
    assert section_from_dict(json.loads(json.dumps(section_to_dict(s)))) == s


def test_bad_only_and_out_exit_2(tmp_path, capsys):
    assert main(["tour", "--only", "soup,cobol", "--out", str(tmp_path)]) == 2
    assert "cobol" in capsys.readouterr().err
    f = tmp_path / "file"
    f.write_text("")
    assert main(["tour", "--out", str(f)]) == 2
    assert "is a file" in capsys.readouterr().err
