"""The README's gallery pictures: pages of a built gallery, in headless Chromium (SwiftShader).

    python docs/gallery/screenshots.py GALLERY_DIR docs/gallery
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

# page, what to do before the picture, window height
SHOTS = (
    ("nca-brick-588", "selforg.reset({seed: 3, size: [128, 128]}); selforg.step(400);"
     " document.getElementById('zoom').value = '3'; selforg.step(0);", 900),
    ("logic-life", "selforg.reset({seed: 3}); selforg.step(60);", 820),
    ("mesh-immunohistochemistry", "document.getElementById('spin').checked = false;"
     " selforg.reset({seed: 2}); selforg.step(120);", 800),
    ("soup-demo", "selforg.show(Math.floor(SELFORG_PAGE.data.frames.length * 0.55));", 1100),
)


def main(folder: str, out: str) -> None:
    opts = Options()
    for arg in ("--headless=new", "--no-sandbox", "--use-angle=swiftshader",
                "--enable-unsafe-swiftshader", "--hide-scrollbars"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    try:
        for slug, script, height in SHOTS:
            driver.set_window_size(1100, height)
            driver.get((Path(folder) / f"{slug}.html").resolve().as_uri() + "?paused")
            driver.execute_script("selforg.pause(); " + script)
            driver.execute_script("return new Promise(r => setTimeout(r, 500))")
            driver.save_screenshot(str(Path(out) / f"{slug}.png"))
    finally:
        driver.quit()


if __name__ == "__main__":
    main(*sys.argv[1:3])
