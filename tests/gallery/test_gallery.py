"""The gallery in a real browser: every page runs, and computes what the Python engines compute.

One gallery is built per session and opened from disk (``file://``) in headless Chromium on
SwiftShader (WebGL2 on the CPU) through Debian's ``chromium-driver`` and selenium. μNCA pages
must match the C export's NumPy twin (`selforg.nca.codegen.numpy_run`) to 2/255 after 64
steps; logic pages must match the packed engine bit for bit. Every shader of the build must
pass ``glslangValidator``. Missing tools skip these tests with one line naming the package
(``make test`` installs them when it runs as root). Screenshots go to the session's tmp folder.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from selforg.cli import main
from selforg.gallery.soup_pages import REPLICATOR

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
GLSLANG = shutil.which("glslangValidator")
NCA_STEPS = 64
NCA_SIZE = (48, 40)  # (W, H): not square, so a transposed picture cannot pass
SEED = 7


@pytest.fixture(scope="session")
def gallery(tmp_path_factory) -> Path:
    from selforg import soup
    from selforg.gallery import GalleryConfig, build
    from selforg.nca.store import zoo_dir

    # every zoo model, a user's own model (here a byte file) and a small recorded soup (the
    # demo soup of `selforg gallery` takes 10 s to record)
    base = tmp_path_factory.mktemp("gallery")
    run = soup.run(soup.SoupConfig(programs=256, epochs=13, log_every=4, seed_program=REPLICATOR,
                                   seed_copies=4), out=base / "soup", selfrep_sample=0).run_dir
    cfg = GalleryConfig(models=(str(zoo_dir() / "gravel.bin"),), soups=(str(run),))
    return build(cfg, out=base / "g").run_dir


def _browser_missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    if CHROMIUM is None:
        return "the chromium package is not installed (apt-get install chromium)"
    if DRIVER is None:
        return "the chromium-driver package is not installed (apt-get install chromium-driver)"
    return None


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (SwiftShader WebGL2)."""
    reason = _browser_missing()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--use-angle=swiftshader",
                "--enable-unsafe-swiftshader", "--window-size=1100,900",
                "--disable-dev-shm-usage"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.set_script_timeout(120)
    try:
        has = driver.execute_script(
            "return !!document.createElement('canvas').getContext('webgl2')")
        if not has:
            pytest.skip("this Chromium offers no WebGL2 (SwiftShader missing)")
        yield driver
    finally:
        driver.quit()


def _open(browser, folder: Path, slug: str):
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get((folder / f"{slug}.html").as_uri() + "?paused")
    ready = browser.execute_script("return window.selforg ? window.selforg.ready : null")
    error = browser.execute_script("return window.selforg ? window.selforg.error : null")
    assert ready, f"{slug}: {error}"
    browser.execute_script("selforg.pause()")


def _console_errors(browser) -> list[str]:
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def _shot(browser, tmp_path_factory, slug: str) -> Path:
    path = tmp_path_factory.getbasetemp() / "gallery-screenshots" / f"{slug}.png"
    path.parent.mkdir(exist_ok=True)
    browser.save_screenshot(str(path))
    return path


# --- without a browser ------------------------------------------------------------------------

def test_every_shader_compiles(gallery):
    if GLSLANG is None:
        pytest.skip("the glslang-tools package is not installed (apt-get install glslang-tools)")
    files = sorted(gallery.glob("*.frag")) + sorted(gallery.glob("*.vert"))
    assert len(files) > 40
    # one run checks every file (each compiled on its own, no linking); it names the failures
    res = subprocess.run([GLSLANG, *map(str, files)], capture_output=True, text=True)
    bad = res.stdout[-2000:] if res.returncode or "ERROR" in res.stdout else ""
    assert not bad


def test_pages_compile_their_files_and_the_nca_export(gallery, tmp_path):
    import json

    for data in sorted(gallery.glob("*.data.js")):
        slug = data.name[: -len(".data.js")]
        text = data.read_text(encoding="utf-8")
        page = json.loads(text[text.index("=") + 1 : text.rindex(";")])
        for role, src in page["shaders"].items():
            assert (gallery / f"{slug}.{role}.frag").read_text(encoding="utf-8") == src
        for role, src in page["vertexShaders"].items():
            assert (gallery / f"{slug}.{role}.vert").read_text(encoding="utf-8") == src
    # the μNCA page runs the very file `selforg nca export --glsl` writes
    out = tmp_path / "brick.frag"
    assert main(["nca", "export", "zoo:brick", "--glsl", str(out)]) == 0
    assert out.read_text() == (gallery / "nca-brick.step.frag").read_text()


def test_index_links_every_page(gallery):
    index = (gallery / "index.html").read_text(encoding="utf-8")
    for page in gallery.glob("*.data.js"):
        assert f'href="{page.name[: -len(".data.js")]}.html"' in index
    for name in ("brick", "grass", "gravel", "brick-588", "brick-float"):
        assert (gallery / f"nca-{name}.html").is_file()
    assert (gallery / "model-1-gravel-bin.step.frag").read_text() == (
        gallery / "nca-gravel.step.frag").read_text()
    for name in ("life", "checkerboard", "checkerboard-async", "lizard", "colors"):
        assert (gallery / f"logic-{name}.html").is_file()
    from selforg.rd.store import zoo_index as rd_zoo

    for name in rd_zoo():
        assert (gallery / f"rd-{name}.html").is_file()
    for name in ("brick", "brick-ico4", "immunohistochemistry"):
        assert (gallery / f"mesh-{name}.html").is_file()
    assert "http" not in "".join(p.read_text() for p in (gallery / "assets").glob("*.js"))


def test_cli_refuses_bad_input(tmp_path, capsys):
    assert main(["gallery", "--no-zoo", "--model", str(tmp_path / "nope"),
                 "--out", str(tmp_path / "g")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not exist" in err[0]
    (tmp_path / "file").write_text("x")
    assert main(["gallery", "--out", str(tmp_path / "file")]) == 2
    assert main(["gallery", "--serve", "99999"]) == 2


# --- in the browser ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["brick", "grass", "gravel", "brick-588", "brick-float"])
def test_nca_page_matches_the_c_export(browser, gallery, tmp_path_factory, name):
    from selforg.nca import codegen
    from selforg.nca import int8 as qz
    from selforg.nca.store import load_model

    _open(browser, gallery, f"nca-{name}")
    w, h = NCA_SIZE
    browser.execute_script(f"selforg.reset({{seed: {SEED}, size: [{w}, {h}]}});"
                           f" selforg.step({NCA_STEPS});")
    px = browser.execute_script("return selforg.pixels()")
    img = np.frombuffer(base64.b64decode(px["rgba"]), np.uint8).reshape(h, w, 4)[..., :3]
    loaded = load_model(f"zoo:{name}")
    q = loaded.quantized or qz.quantize(loaded.model)
    state = codegen.numpy_run(q, codegen.noise(h, w, q.w_q.shape[1], SEED), NCA_STEPS)
    ref = np.frombuffer(codegen.to_ppm(state), np.uint8)[-h * w * 3 :].reshape(h, w, 3)
    diff = np.abs(img.astype(int) - ref.astype(int)).max()
    assert diff <= 2, f"max channel difference {diff}/255 after {NCA_STEPS} steps"
    _shot(browser, tmp_path_factory, f"nca-{name}")
    assert not _console_errors(browser)


def test_rd_page_matches_numpy(browser, gallery, tmp_path_factory):
    from selforg.gallery.rd_pages import numpy_step
    from selforg.rd.store import load_model, zoo_index

    name = next(iter(zoo_index()))
    m = load_model(f"zoo:{name}").model
    w1, b1, w2 = (np.asarray(a, np.float32) for a in (m.w1, m.b1, m.w2))
    d = np.asarray(m.diffusion(), np.float32)
    w, h, steps = 24, 16, 16
    x = (np.random.default_rng(0).standard_normal((h, w, m.channels)) * 0.2).astype(np.float32)
    _open(browser, gallery, f"rd-{name}")
    browser.execute_script(f"selforg.reset({{size: [{w}, {h}]}});"
                           f" selforg.setState('{base64.b64encode(x.tobytes()).decode()}');"
                           f" selforg.step({steps})")
    got = browser.execute_script("return selforg.state()")
    state = np.frombuffer(base64.b64decode(got["data"]), np.float32).reshape(h, w, -1)
    for _ in range(steps):
        x = numpy_step(w1, b1, w2, d, m.dt, x)
    # the MLP's sums run in another order on the GPU: float32 rounding apart, no more
    np.testing.assert_allclose(state, x, atol=1e-5)
    browser.execute_script("selforg.reset({seed: 2, size: [64, 64]}); selforg.step(8)")
    _shot(browser, tmp_path_factory, f"rd-{name}")
    assert not _console_errors(browser)


def test_mesh_page_matches_the_sparse_reference(browser, gallery, tmp_path_factory):
    from selforg.mesh.meshes import load_mesh
    from selforg.mesh.reference import SparseStep
    from selforg.mesh.store import load_model

    mesh = load_mesh("torus")  # not the mesh it was trained on: the page switches meshes
    ref = SparseStep(mesh, load_model("zoo:brick").params)
    x = np.random.default_rng(0).uniform(0, 0.1, (mesh.n_vertices, 16)).astype(np.float32)
    _open(browser, gallery, "mesh-brick")
    browser.execute_script("var s = document.getElementById('mesh'); s.value = 'torus';"
                           " s.dispatchEvent(new Event('change'));"
                           " document.getElementById('async').checked = false;"
                           f" selforg.setState('{base64.b64encode(x.tobytes()).decode()}');"
                           " selforg.step(8)")
    got = browser.execute_script("return selforg.state()")
    assert got["mesh"] == "torus" and got["vertices"] == mesh.n_vertices
    state = np.frombuffer(base64.b64decode(got["data"]), np.float32).reshape(-1, 16)
    for _ in range(8):
        x = ref.step(x, None)
    np.testing.assert_allclose(state, x, atol=1e-5)
    _shot(browser, tmp_path_factory, "mesh-brick")
    assert not _console_errors(browser)


def _bits(state: dict, channels: int) -> np.ndarray:
    """The page's state words -> (H, W, C) 0/1 uint8."""
    from selforg.logic.export_glsl import layers

    h, w = state["height"], state["width"]
    nw, nl = -(-w // 32), layers(channels)
    words = np.frombuffer(base64.b64decode(state["words"]), np.uint32).reshape(nl, h, nw, 4)
    words = words.transpose(1, 2, 0, 3).reshape(h, nw, 1, 4 * nl)
    bits = (words >> np.arange(32, dtype=np.uint32)[None, None, :, None]) & np.uint32(1)
    return bits.reshape(h, nw * 32, 4 * nl)[:, :w, :channels].astype(np.uint8)


@pytest.mark.parametrize("name,steps", [("life", 40), ("checkerboard", 20),
                                        ("checkerboard-async", 30), ("lizard", 12),
                                        ("colors", 15)])
def test_logic_page_matches_the_packed_engine(browser, gallery, tmp_path_factory, name, steps):
    from selforg.logic import export_glsl as eg
    from selforg.logic.packed import PackedEngine, pack, unpack
    from selforg.logic.zoo import zoo_circuit

    circuit = zoo_circuit(name)
    c = circuit.channels
    _open(browser, gallery, f"logic-{name}")
    size = 64
    browser.execute_script(f"selforg.reset({{seed: {SEED}, size: [{size}, {size}]}})")
    start = _bits(browser.execute_script("return selforg.state()"), c)
    page = browser.execute_script("return window.SELFORG_PAGE.data")
    if page["start"] == "random":
        np.testing.assert_array_equal(start, eg.random_bits(size, size, c, SEED))
    browser.execute_script(f"selforg.step({steps})")
    got = browser.execute_script("return selforg.state()")
    engine = PackedEngine(circuit, kernel="numpy")
    a = pack(start)
    b = np.empty_like(a)
    for t in range(steps):
        mask = None
        if page["fire"]:
            fired = eg.fire_mask(size, size, SEED, t, page["fireRate"])
            mask = pack(fired[..., None].astype(np.uint8))[0]
        engine.step_packed(a, b, mask)
        a, b = b, a
    np.testing.assert_array_equal(_bits(got, c), unpack(a))
    if page["compare"]:  # true Life beside it
        from selforg.logic.life import life_steps

        life = _bits({**got, "words": got["life"]}, 1)[..., 0]
        np.testing.assert_array_equal(life, life_steps(start[..., 0], steps))
    _shot(browser, tmp_path_factory, f"logic-{name}")
    assert not _console_errors(browser)


def _netlist_steps(circuit, grid: np.ndarray, steps: int) -> np.ndarray:
    """The circuit's pruned netlist cell by cell on unpacked (H, W, C) 0/1 grids, any width
    (the packed engine wants multiples of 64): one bitwise op per gate on bit 0."""
    from selforg.logic.circuit import netlist
    from selforg.logic.packed import _NP_OPS

    net = netlist(circuit, prune=True)
    mode = "wrap" if circuit.boundary == "periodic" else "constant"
    h, w, c = grid.shape
    for _ in range(steps):
        p = np.pad(grid.astype(np.uint64), ((1, 1), (1, 1), (0, 0)), mode=mode)
        regs = [p[dy : dy + h, dx : dx + w, ch] for ch in range(c) for dy in range(3)
                for dx in range(3)]
        for op, a, b in zip(net.ops.tolist(), net.a.tolist(), net.b.tolist(), strict=True):
            regs.append(_NP_OPS[op](regs[a], regs[b]) & np.uint64(1))
        grid = np.stack([regs[o] for o in net.outputs.tolist()], -1).astype(np.uint8)
    return grid


def test_colours_page_grows_the_g_on_its_own_16_by_16_grid(browser, gallery):
    """A width that is not a multiple of 32 (zero boundary: bits past the edge stay 0)."""
    from selforg.logic.tasks import colour_g
    from selforg.logic.zoo import zoo_circuit

    _open(browser, gallery, "logic-colors")
    assert browser.execute_script("return selforg.reset({seed: 1})") == [16, 16]
    browser.execute_script("selforg.step(15)")
    got = _bits(browser.execute_script("return selforg.state()"), 64)
    np.testing.assert_array_equal(got, _netlist_steps(zoo_circuit("colors"),
                                                      np.zeros((16, 16, 64), np.uint8), 15))
    np.testing.assert_array_equal(got[..., :3], colour_g(16, 16).astype(np.uint8))


def test_brush_erases_cells(browser, gallery):
    _open(browser, gallery, "logic-checkerboard")
    browser.execute_script("selforg.reset({seed: 3, size: [64, 64]})")
    canvas = browser.find_element("id", "canvas")
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).move_to_element(canvas).click().perform()  # erase, radius 8
    bits = _bits(browser.execute_script("return selforg.state()"), 8)
    assert bits[28:36, 28:36].sum() == 0 and bits.sum() > 0


def test_soup_page_shows_program_texts(browser, gallery, tmp_path_factory):
    from selforg.soup.languages import program_text

    _open(browser, gallery, "soup-1-soup")
    frames = browser.execute_script("return window.SELFORG_PAGE.data.frames")
    epoch = browser.execute_script(f"return selforg.show({len(frames) // 2})")
    for _ in range(100):
        if browser.execute_script("return selforg.loaded()"):
            break
        time.sleep(0.05)
    raw = (gallery.parent / "soup" / "images" / f"epoch{epoch:07d}.bin").read_bytes()
    for i in (0, 5):
        assert browser.execute_script(f"return selforg.programText({i})") == program_text(
            raw[64 * i : 64 * i + 64], "bff_noheads")
    _shot(browser, tmp_path_factory, "soup")
    assert not _console_errors(browser)


@pytest.mark.parametrize("damage", ["missing", "garbage", "bad-format"])
def test_a_bad_model_file_shows_a_message(browser, gallery, tmp_path, damage):
    shutil.copytree(gallery / "assets", tmp_path / "assets")
    for f in gallery.glob("nca-brick.*"):
        shutil.copy(f, tmp_path / f.name)
    data = tmp_path / "nca-brick.data.js"
    if damage == "missing":
        data.unlink()
    elif damage == "garbage":
        data.write_text("window.SELFORG_PAGE = {\"format\": \"selforg-gallery/1\", ")
    else:
        data.write_text("window.SELFORG_PAGE = {\"format\": \"other/9\", \"data\": {}};")
    browser.get(data.with_name("nca-brick.html").as_uri())
    message = browser.find_element("id", "message")
    assert message.is_displayed() and "nca-brick.data.js" in message.text
    assert not browser.find_element("id", "canvas").is_displayed()
    browser.get_log("browser")


def test_the_tour_links_the_gallery(gallery, tmp_path, monkeypatch):
    import importlib

    from selforg.core.report import render_section
    from selforg.gallery.build import GalleryResult
    from selforg.gallery.tour import tour_part

    build_module = importlib.import_module("selforg.gallery.build")
    pages = tuple(sorted(gallery.glob("*.html")))
    monkeypatch.setattr(build_module, "build", lambda cfg, out, quiet: GalleryResult(
        Path(out), Path(out) / "index.html", pages, 0.0))
    section = tour_part(tmp_path)
    assert section.links == {"open the gallery": "gallery/index.html"}
    assert section.numbers["μNCA texture pages"] >= 5
    assert '<a href="gallery/index.html">open the gallery</a>' in render_section(section)
