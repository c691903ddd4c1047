"""Lazy package names: a function exported under the name of a submodule stays the function."""

import subprocess
import sys

import pytest

# Each check runs in a fresh interpreter: the order of imports is what is tested.
CASES = [
    ("selforg.mplp", "evaluate"),
    ("selforg.mplp", "train"),
    ("selforg.mplp", "zoo"),
]


@pytest.mark.parametrize("package, name", CASES)
def test_importing_the_submodule_first_keeps_the_export(package, name):
    code = (
        f"import importlib, inspect\n"
        f"importlib.import_module('{package}.{name}')\n"
        f"from {package} import {name} as got\n"
        f"assert inspect.isfunction(got), got\n"
        f"assert got is getattr(importlib.import_module('{package}.{name}'), '{name}')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_name_is_an_attribute_error():
    import selforg.mplp

    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        selforg.mplp.nothing  # noqa: B018
