"""The top-level CLI: help lists the systems, bad input is one line and exit 2, the tour page."""

import os
import shlex
import subprocess
import sys

import pytest

from selforg.cli import EXIT_BROKEN_PIPE, SYSTEMS, main


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


def test_no_arguments_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "usage: selforg" in err and all(name in err for name in SYSTEMS)


def test_a_missing_verb_names_the_verbs(capsys):
    assert main(["data"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "list, show" in err


def _selforg(*args: str, **kw) -> subprocess.Popen:
    code = "import sys, selforg.cli as c; sys.exit(c.main(sys.argv[1:]))"
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kw)


@pytest.mark.parametrize("args", [["data", "list"], ["--help"]])
def test_a_closed_pipe_ends_quietly(args):
    """``selforg data list | head -0``: the reader is gone before the first line is written."""
    proc = _selforg(*args)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == EXIT_BROKEN_PIPE
    assert err == ""


def test_a_pipe_through_head_ends_quietly():
    shell = (f"{shlex.quote(sys.executable)} -c 'import sys, selforg.cli as c;"
             " sys.exit(c.main([\"data\", \"list\"] * 1 + sys.argv[1:]))' | head -n 1")
    out = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True,
                         text=True, timeout=60)
    assert len(out.stdout.splitlines()) == 1 and out.stderr == ""
    assert out.returncode in (0, EXIT_BROKEN_PIPE)


@pytest.mark.parametrize("args", [["data", "list"], ["--help"], ["soup", "--help"]])
def test_verbs_that_need_no_jax_do_not_import_it(args):
    code = ("import sys, selforg.cli as c, contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    c.main({args!r})\n"
            "print('jax' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "False"


def test_the_compile_cache_is_set_through_the_environment(tmp_path, monkeypatch):
    from selforg.core import jaxsetup

    code = ("import os, sys\n"
            "from selforg.core.jaxsetup import compile_cache_env\n"
            "compile_cache_env()\n"
            "assert 'jax' not in sys.modules\n"
            "import jax\n"
            "print(jax.config.jax_compilation_cache_dir)\n"
            "print(jax.config.jax_persistent_cache_min_compile_time_secs)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True, env=env)
    assert out.stdout.split() == [str(tmp_path / "selforg" / "jax"),
                                  str(jaxsetup.MIN_COMPILE_SECONDS)]


def test_data_show_output_file_is_checked(capsys, tmp_path, monkeypatch):
    assert main(["data", "show", "brick", "--png", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main(["data", "show", "brick", "--png", str(tmp_path / "no" / "b.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
    monkeypatch.chdir(tmp_path)
    assert main(["data", "show", "\U0001f98e", "--size", "16"]) == 0
    assert (tmp_path / "emoji_u1f98e.png").is_file()
    assert capsys.readouterr().out.strip() == "emoji_u1f98e.png"


def test_core_modules_import_no_jax():
    modules = ["selforg", "selforg.core", "selforg.core.cli", "selforg.core.errors",
               "selforg.core.config", "selforg.core.runs", "selforg.core.media",
               "selforg.core.progress", "selforg.core.data_cli", "selforg.core.jaxsetup",
               "selforg.cli"]
    code = f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n" \
           "print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "False"
