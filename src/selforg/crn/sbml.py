"""SBML (Level 3 Version 2) out and in, with python-libsbml, so networks open in COPASI,
tellurium or libroadrunner.

Export: one compartment ``cell`` of size 1 (or one per chamber), every species with its
initial concentration, one global parameter ``k<r>`` per reaction and an irreversible
reaction whose kinetic law is mass action, ``cell * k<r> * A * B`` (the compartment factor
turns a concentration rate into the amount rate SBML expects; with size 1 it is 1).

Import: reactions whose kinetic law is a product of numbers, parameters, compartment sizes
and species powers equal to the reactant counts (mass action), or the difference of two such
products for a reversible reaction (forward, backward). Anything else is refused in one line
naming the reaction.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from selforg.core.errors import BadInput
from selforg.crn.network import Network, make_network

COMPARTMENT = "cell"


def _libsbml():
    import libsbml

    return libsbml


def _check(code: int, what: str) -> None:
    lib = _libsbml()
    if code != lib.LIBSBML_OPERATION_SUCCESS:
        raise RuntimeError(f"libsbml refused {what}: {lib.OperationReturnValue_toString(code)}")


def to_sbml(net: Network, x0=None, *, model_id: str = "crn",
            compartments: dict[str, str] | None = None) -> str:
    """The network as an SBML L3V2 document (text).

    Args:
        net: the reactions and rates.
        x0: (n,) initial concentrations (default zeros).
        model_id: the SBML model id.
        compartments: species name -> compartment id (default: all in ``cell``); every
            compartment has size 1.
    """
    lib = _libsbml()
    x0 = np.zeros(net.n_species) if x0 is None else np.asarray(x0, np.float64)
    where = {s: (compartments or {}).get(s, COMPARTMENT) for s in net.species}
    doc = lib.SBMLDocument(3, 2)
    model = doc.createModel()
    _check(model.setId(model_id), "the model id")
    for cid in dict.fromkeys(where.values()):
        c = model.createCompartment()
        _check(c.setId(cid), f"compartment {cid}")
        c.setConstant(True)
        c.setSize(1.0)
        c.setSpatialDimensions(3)
    for name, value in zip(net.species, x0, strict=True):
        s = model.createSpecies()
        _check(s.setId(name), f"species id {name!r}")
        s.setCompartment(where[name])
        s.setInitialConcentration(float(value))
        s.setHasOnlySubstanceUnits(False)
        s.setBoundaryCondition(False)
        s.setConstant(False)
    for r in range(net.n_reactions):
        p = model.createParameter()
        p.setId(f"k{r + 1}")
        p.setValue(float(net.rates[r]))
        p.setConstant(True)
        rx = model.createReaction()
        rx.setId(f"r{r + 1}")
        rx.setReversible(False)
        # The reaction happens in the compartment of its first reactant (or product).
        first = np.flatnonzero(net.reactants[r] if net.reactants[r].any() else net.products[r])
        factors = [where[net.species[int(first[0])]]]
        for side, create in ((net.reactants[r], rx.createReactant),
                             (net.products[r], rx.createProduct)):
            for i in np.flatnonzero(side):
                ref = create()
                ref.setSpecies(net.species[i])
                ref.setStoichiometry(float(side[i]))
                ref.setConstant(True)
        factors.append(f"k{r + 1}")
        for i in np.flatnonzero(net.reactants[r]):
            factors += [net.species[i]] * int(net.reactants[r, i])
        law = rx.createKineticLaw()
        math = lib.parseL3Formula(" * ".join(factors))
        if math is None:
            raise RuntimeError(f"libsbml could not parse the kinetic law of reaction {r + 1}")
        _check(law.setMath(math), f"the kinetic law of reaction {r + 1}")
    return lib.writeSBMLToString(doc)


def write_sbml(path: str | Path, net: Network, x0=None, **kwargs) -> Path:
    """Write `to_sbml` to `path`."""
    path = Path(path)
    path.write_text(to_sbml(net, x0, **kwargs), encoding="utf-8")
    return path


def _values(model) -> dict[str, float]:
    vals = {c.getId(): c.getSize() for c in model.getListOfCompartments()}
    vals.update({p.getId(): p.getValue() for p in model.getListOfParameters()})
    return vals


def _product(node, local: dict[str, float], species: set[str], rid: str,
             formula: str) -> tuple[float, dict[str, int]]:
    """(constant factor, species powers) of a product of names, numbers and powers."""
    lib = _libsbml()

    def refuse() -> BadInput:
        return BadInput(f"reaction {rid}: kinetic law {formula!r} is not mass action (a product"
                        " of a rate constant and the reactant concentrations)")

    t = node.getType()
    if t == lib.AST_TIMES:
        k, powers = 1.0, {}
        for i in range(node.getNumChildren()):
            ki, pi = _product(node.getChild(i), local, species, rid, formula)
            k *= ki
            for s, p in pi.items():
                powers[s] = powers.get(s, 0) + p
        return k, powers
    if t in (lib.AST_INTEGER, lib.AST_REAL, lib.AST_REAL_E, lib.AST_RATIONAL):
        return float(node.getValue()), {}
    if t == lib.AST_NAME:
        name = node.getName()
        if name in species:
            return 1.0, {name: 1}
        if name in local:
            return float(local[name]), {}
        raise BadInput(f"reaction {rid}: {name!r} in its kinetic law has no value")
    if t in (lib.AST_POWER, lib.AST_FUNCTION_POWER) and node.getNumChildren() == 2:
        base, exp = node.getChild(0), node.getChild(1)
        if (base.getType() == lib.AST_NAME and base.getName() in species
                and exp.getType() in (lib.AST_INTEGER, lib.AST_REAL)
                and float(exp.getValue()).is_integer() and exp.getValue() >= 1):
            return 1.0, {base.getName(): int(exp.getValue())}
    raise refuse()


def from_sbml(text: str) -> tuple[Network, np.ndarray]:
    """Read mass-action reactions from SBML text: (network, x0 (n,)).

    Raises:
        BadInput: unreadable SBML, a species with a boundary condition, or a kinetic law that
            is not mass action.
    """
    lib = _libsbml()
    doc = lib.readSBMLFromString(text)
    if doc.getNumErrors(lib.LIBSBML_SEV_ERROR) + doc.getNumErrors(lib.LIBSBML_SEV_FATAL):
        err = doc.getError(0)
        raise BadInput(f"SBML line {err.getLine()}: {err.getShortMessage()}")
    model = doc.getModel()
    if model is None:
        raise BadInput("the SBML document holds no model")
    species = tuple(s.getId() for s in model.getListOfSpecies())
    names = set(species)
    x0 = []
    for s in model.getListOfSpecies():
        if s.getBoundaryCondition() or s.getConstant():
            raise BadInput(f"species {s.getId()} is constant or on the boundary; only"
                           " reacting species are supported")
        if s.isSetInitialConcentration():
            x0.append(s.getInitialConcentration())
        elif s.isSetInitialAmount():
            size = model.getCompartment(s.getCompartment()).getSize()
            x0.append(s.getInitialAmount() / (size or 1.0))
        else:
            x0.append(0.0)
    if model.getNumRules() or model.getNumEvents():
        raise BadInput("the SBML model has rules or events; only reactions are supported")
    globals_ = _values(model)
    reactions = []
    for rx in model.getListOfReactions():
        rid = rx.getId()
        lhs = {r.getSpecies(): int(round(r.getStoichiometry())) for r in rx.getListOfReactants()}
        rhs = {p.getSpecies(): int(round(p.getStoichiometry())) for p in rx.getListOfProducts()}
        law = rx.getKineticLaw()
        if law is None or law.getMath() is None:
            raise BadInput(f"reaction {rid} has no kinetic law")
        local = dict(globals_)
        local.update({p.getId(): p.getValue() for p in law.getListOfLocalParameters()})
        local.update({p.getId(): p.getValue() for p in law.getListOfParameters()})
        math = law.getMath()
        formula = lib.formulaToL3String(math)
        # The compartment factor of the law is the compartment's size: part of k (size 1).
        # A reversible law is kf·Π − kb·Π, possibly times constants: c·(kf·Π − kb·Π).
        scale, core = 1.0, math
        if math.getType() == lib.AST_TIMES:
            minus = [math.getChild(i) for i in range(math.getNumChildren())
                     if math.getChild(i).getType() == lib.AST_MINUS]
            if len(minus) == 1:
                for i in range(math.getNumChildren()):
                    child = math.getChild(i)
                    if child is not minus[0] and child.getType() != lib.AST_MINUS:
                        ki, pi = _product(child, local, names, rid, formula)
                        if pi:
                            raise BadInput(f"reaction {rid}: kinetic law {formula!r} is not"
                                           " mass action")
                        scale *= ki
                core = minus[0]
        if core.getType() == lib.AST_MINUS and core.getNumChildren() == 2:
            parts = [(lhs, rhs, core.getChild(0)), (rhs, lhs, core.getChild(1))]
        else:
            parts = [(lhs, rhs, math)]
            scale = 1.0
        for a, b, node in parts:
            k, powers = _product(node, local, names, rid, formula)
            k *= scale
            if {s: p for s, p in powers.items() if p} != {s: c for s, c in a.items() if c}:
                raise BadInput(f"reaction {rid}: kinetic law {formula!r} is not mass action"
                               " (its species powers differ from the reactant counts)")
            if not k > 0:
                raise BadInput(f"reaction {rid}: rate constant {k} is not > 0")
            reactions.append((a, b, k))
    if not reactions:
        raise BadInput("the SBML model has no reactions")
    return make_network(species, reactions), np.asarray(x0, np.float64)


def read_sbml(path: str | Path) -> tuple[Network, np.ndarray]:
    """`from_sbml` of a file."""
    return from_sbml(Path(path).read_text(encoding="utf-8"))
