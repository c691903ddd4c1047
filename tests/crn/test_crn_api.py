"""The public API: one function per verb, exported from selforg.crn; the docstring examples
and the README's five lines run."""

import doctest
import importlib

import pytest

import selforg.crn as crn


def test_every_export_resolves():
    for name in crn.__all__:
        assert getattr(crn, name) is not None


@pytest.mark.parametrize("module", ["network", "models", "verbs", "dynamics", "__init__"])
def test_docstring_examples(module):
    mod = crn if module == "__init__" else importlib.import_module(f"selforg.crn.{module}")
    failed, _ = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert failed == 0


def test_readme_snippet(capsys):
    from selforg import crn

    net = crn.parse("A + B -> 2 C @ 0.5; C -> @ 0.1")
    print(crn.format_network(net), end="")
    res = crn.simulate(crn.SimulateConfig("zoo:oscillator", t1=100.0))
    print({k: round(v, 3) for k, v in res.final.items()})
    out = capsys.readouterr().out
    assert out.startswith("A + B -> 2 C @ 0.5\nC -> @ 0.1\n{'A': ")


def test_verbs_return_frozen_results_with_run_dir():
    res = crn.export(crn.ExportConfig("zoo:equilibrium"))
    assert res.run_dir is None and res.text == "A <-> B @ 2, 1\n"
    with pytest.raises(AttributeError):
        res.text = ""  # frozen
    assert {e.name for e in crn.zoo().entries} >= {"oscillator", "brusselator"}
