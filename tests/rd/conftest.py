"""Every rd test runs in its own empty folder, so a command that writes into the current
folder writes there (and a test can check that it did not)."""

import pytest


@pytest.fixture(autouse=True)
def _in_empty_folder(tmp_path_factory, monkeypatch):
    here = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(here)
    return here
