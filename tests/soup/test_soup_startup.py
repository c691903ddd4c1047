"""`selforg soup ...` starts without JAX (the soup is NumPy and Numba): help and a small run."""

import subprocess
import sys

import pytest

_PROBE = """
import sys
from selforg.cli import main
code = main(sys.argv[1:])
print("jax" in sys.modules, code, file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [
    ["soup", "--help"],
    ["soup", "run", "--help"],
    ["soup", "show", "--help"],
    ["soup", "run", "--programs", "64", "--epochs", "2", "--no-images", "--quiet",
     "--out", "{tmp}"],
])
def test_soup_commands_do_not_import_jax(argv, tmp_path):
    argv = [a.replace("{tmp}", str(tmp_path / "r")) for a in argv]
    res = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True,
                         timeout=120)
    jax_loaded, code = res.stderr.strip().splitlines()[-1].split()
    assert code == "0", res.stderr
    assert jax_loaded == "False", f"selforg {' '.join(argv)} imported jax"
