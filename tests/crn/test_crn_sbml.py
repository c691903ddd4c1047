"""SBML out and in: the exported network simulated by libroadrunner gives our trajectory;
import reads back exactly what was exported; laws that are not mass action are refused."""

import jax
import numpy as np
import pytest
from roadrunner_run import roadrunner_trajectory

from selforg.core.errors import BadInput
from selforg.crn.classics import brusselator
from selforg.crn.dynamics import simulate
from selforg.crn.network import parse
from selforg.crn.sbml import from_sbml, to_sbml

NET = "A + B -> 2 C @ 0.5; C -> @ 0.3; -> A @ 1; A <-> B @ 1, 0.2; 2 B -> A @ 0.1"


def _roadrunner(sbml: str, species, t1: float, points: int) -> np.ndarray:
    return roadrunner_trajectory(sbml, species, t1, points)


@pytest.mark.parametrize("net,x0,t1", [
    (parse(NET), [1.0, 0.5, 0.0], 10.0),
    (brusselator(1.0, 3.0), [1.0, 1.0], 20.0),
])
def test_exported_network_in_libroadrunner_matches_ours(net, x0, t1):
    sbml = to_sbml(net, x0)
    theirs = _roadrunner(sbml, net.species, t1, 201)
    with jax.enable_x64(True):
        ours = simulate(net, x0, t1, saveat=201, solver="tsit5", rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(theirs[:, 0], ours.ts, rtol=1e-12)
    rel = np.abs(theirs[:, 1:] - ours.xs).max() / np.abs(theirs[:, 1:]).max()
    assert rel < 1e-4


def test_import_reads_back_the_export():
    net = parse(NET)
    back, x0 = from_sbml(to_sbml(net, [1.0, 0.5, 0.0]))
    assert back == net
    assert x0.tolist() == [1.0, 0.5, 0.0]


def _model(law: str, reversible: bool = False) -> str:
    import libsbml

    doc = libsbml.SBMLDocument(3, 2)
    m = doc.createModel()
    m.setId("m")
    c = m.createCompartment()
    c.setId("cell"), c.setSize(1.0), c.setConstant(True)
    for s in ("S", "P"):
        sp = m.createSpecies()
        sp.setId(s), sp.setCompartment("cell"), sp.setInitialConcentration(1.0)
        sp.setHasOnlySubstanceUnits(False), sp.setBoundaryCondition(False)
        sp.setConstant(False)
    for pid, v in (("kf", 2.0), ("kb", 0.5), ("Vmax", 1.0), ("Km", 0.1)):
        p = m.createParameter()
        p.setId(pid), p.setValue(v), p.setConstant(True)
    r = m.createReaction()
    r.setId("r1"), r.setReversible(reversible)
    a = r.createReactant()
    a.setSpecies("S"), a.setStoichiometry(1.0), a.setConstant(True)
    b = r.createProduct()
    b.setSpecies("P"), b.setStoichiometry(1.0), b.setConstant(True)
    r.createKineticLaw().setMath(libsbml.parseL3Formula(law))
    return libsbml.writeSBMLToString(doc)


def test_import_of_a_reversible_mass_action_law():
    for law in ("kf * S - kb * P", "cell * (kf * S - kb * P)"):
        net, _ = from_sbml(_model(law, reversible=True))
        assert str(net) == "S <-> P @ 2, 0.5\n"


def test_a_law_that_is_not_mass_action_is_refused():
    with pytest.raises(BadInput, match="r1.*not mass action"):
        from_sbml(_model("Vmax * S / (Km + S)"))
    with pytest.raises(BadInput, match="species powers"):
        from_sbml(_model("kf * S * P"))
