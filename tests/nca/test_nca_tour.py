"""The tour's nca section: titles that say what is shown, a command under every picture that
makes it, videos as MP4."""

from selforg.nca.tour import tour_part


def test_tour_part_says_what_it_shows(tmp_path):
    section = tour_part(tmp_path)
    assert section.command == "selforg tour --only nca"
    # the title gives the byte size of the textures shown: one number when they share it
    from selforg.nca.model import param_count
    from selforg.nca.store import load_model

    shown = [m.path[len("nca/texture_"):-len(".mp4")] for m in section.media
             if m.path.startswith("nca/texture_")]
    sizes = sorted({param_count(load_model(f"zoo:{n}").model) for n in shown})
    assert len(shown) == 3
    want = f"{sizes[0]} bytes" if len(sizes) == 1 else f"{sizes[0]}–{sizes[-1]} bytes"
    assert want in section.title
    assert "trained here" not in section.summary and "zoo" in section.summary
    videos = [m for m in section.media if m.path.endswith(".mp4")]
    assert len(videos) == 4
    for m in section.media:
        assert (tmp_path / m.path).stat().st_size > 0, m.path
        if m.path != "nca/textures.png":
            assert m.command.startswith("selforg nca run zoo:"), m.path


def test_tour_commands_make_the_same_final_picture(tmp_path):
    import shlex

    import numpy as np
    from PIL import Image

    from selforg.cli import main

    section = tour_part(tmp_path / "tour")
    lizard = next(m for m in section.media if m.path == "nca/lizard_regrow.mp4")
    argv = shlex.split(lizard.command)[1:]
    argv = [a if a != "lizard.mp4" else str(tmp_path / "l.mp4") for a in argv]
    assert main([*argv, "--out", str(tmp_path / "run")]) == 0
    final = np.asarray(Image.open(tmp_path / "run" / "final.png"))
    strip = np.asarray(Image.open(tmp_path / "tour" / "nca" / "lizard_strip.png"))
    # the strip's last tile is the final frame, upscaled by half the run's (integer) factor
    from selforg.nca.store import load_model

    cfg = load_model("zoo:lizard").config
    side = cfg.target_size + 2 * cfg.pad
    run_scale = final.shape[0] // side
    raw = final[::run_scale, ::run_scale]
    tile = np.repeat(np.repeat(raw, run_scale // 2 or 1, 0), run_scale // 2 or 1, 1)
    h, w = tile.shape[:2]
    assert any(np.array_equal(strip[y:y + h, -w - x:strip.shape[1] - x, :3], tile[..., :3])
               for y in range(0, 5) for x in range(0, 5))
