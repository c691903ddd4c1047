"""The tour's rd section: a title that says what is shown, the command under every picture,
videos as MP4, the files there."""

from selforg.rd.tour import tour_part


def test_tour_part_says_what_it_shows(tmp_path):
    section = tour_part(tmp_path)
    assert section.command == "selforg tour --only rd"
    assert "Gray–Scott" in section.title and "diffusion ramp" in section.title
    videos = [m for m in section.media if m.path.endswith(".mp4")]
    assert len(videos) == 2
    for m in section.media:
        assert (tmp_path / m.path).stat().st_size > 0, m.path
        assert m.command.startswith("selforg rd "), m.path
    assert section.seconds < 60
