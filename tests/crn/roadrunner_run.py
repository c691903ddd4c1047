"""libroadrunner in a process of its own.

libroadrunner carries its own LLVM, and loaded into the same process as XLA it corrupts XLA's
compiler (later JAX compilations crash). The tests therefore ask a child process.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest

_CHILD = """
import json, sys
import numpy as np
import roadrunner
job = json.load(sys.stdin)
rr = roadrunner.RoadRunner(job["sbml"])
rr.integrator.relative_tolerance = 1e-10
rr.integrator.absolute_tolerance = 1e-12
rr.timeCourseSelections = ["time"] + ["[%s]" % s for s in job["species"]]
print(json.dumps(np.asarray(rr.simulate(0, job["t1"], job["points"])).tolist()))
"""


def roadrunner_trajectory(sbml: str, species, t1: float, points: int) -> np.ndarray:
    """(points, 1 + n_species): time, then each species' concentration, from libroadrunner."""
    # find_spec, not importorskip: importing it here would load its LLVM into this process
    if importlib.util.find_spec("roadrunner") is None:
        pytest.skip("libroadrunner is not installed (a dev dependency)")
    job = json.dumps({"sbml": sbml, "species": list(species), "t1": t1, "points": points})
    out = subprocess.run([sys.executable, "-c", _CHILD], input=job, capture_output=True,
                         text=True, check=True, timeout=300)
    return np.asarray(json.loads(out.stdout))
