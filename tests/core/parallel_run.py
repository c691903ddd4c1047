"""Run by test_parallel.py in a child process: XLA_FLAGS must give two CPU devices before JAX
starts. Prints one JSON object with what the test compares."""

import json
import os
import sys

os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
os.environ["JAX_ENABLE_COMPILATION_CACHE"] = "false"

import dataclasses  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

from selforg.core.errors import BadInput  # noqa: E402
from selforg.core.parallel import data_mesh, data_parallel, shard_batch  # noqa: E402
from selforg.core.runs import open_run  # noqa: E402
from selforg.core.train import LoopSettings, train_loop  # noqa: E402
from selforg.logic import LogicConfig, train  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")
out = sys.argv[1]
cfg = LogicConfig(experiment="checkerboard", height=4, width=4, channels=2, steps=2, batch=4,
                  iters=6, kernels=2, perception_widths=(9, 4, 2), update_widths=(8, 4, 2),
                  boundary="zero", stop_at_zero=False, log_every=1, checkpoint_every=1)


def logged(res):
    return [[r["loss"], r["hard_loss"]] for r in
            (json.loads(x) for x in (res.run_dir / "metrics.jsonl").read_text().splitlines())]


def params(run_dir):
    from selforg.core.runs import read_checkpoint

    arrays = read_checkpoint(run_dir / "checkpoints" / "latest.npz")[1]
    return {k: np.asarray(v, np.float64).tolist() for k, v in sorted(arrays.items())
            if np.issubdtype(v.dtype, np.floating)}


report = {"devices": len(jax.devices())}
with jax.set_mesh(data_mesh(2)):
    y = jax.jit(lambda x: shard_batch(x) * 2)(np.ones((4, 3), np.float32))
report["sharded_spec"] = str(y.sharding.spec)
report["unsharded_spec"] = str(jax.jit(lambda x: shard_batch(x) * 2)(np.ones((4, 3))).sharding)
one = train(cfg, out=f"{out}/one")
with data_parallel(2):
    two = train(cfg, out=f"{out}/two")
report["one"] = {"metrics": logged(one), "params": params(one.run_dir)}
report["two"] = {"metrics": logged(two), "params": params(two.run_dir)}

# Resuming across device counts, through the shared loop itself (a small regression whose
# batch is sharded): 2 devices then 1, and 1 then 2, against 1 device throughout.
opt = optax.adam(1e-2)


def step(state, i):
    w, o = state
    x = shard_batch(jax.random.normal(jax.random.fold_in(jax.random.PRNGKey(0), i), (8, 3)))

    def loss(w):
        return jnp.mean((jnp.tanh(x @ w) - 0.5) ** 2)

    value, g = jax.value_and_grad(loss)(w)
    u, o = opt.update(g, o, w)
    return (optax.apply_updates(w, u), o), {"loss": value}


@dataclasses.dataclass(frozen=True)
class Toy:
    steps: int = 8


def toy(name, first, second):
    w = jnp.ones((3,))
    run = open_run("toy", "fit", Toy(), out=f"{out}/{name}")
    train_loop(run, (w, opt.init(w)), step, LoopSettings(steps=4, log_every=1, quiet=True,
                                                         devices=first))
    run = open_run("toy", "fit", Toy(), resume=f"{out}/{name}")
    state, _, _ = train_loop(run, (w, opt.init(w)), step,
                             LoopSettings(steps=8, log_every=1, quiet=True, devices=second))
    return {"metrics": [[r["loss"]] for r in run.read_metrics()],
            "params": {"w": np.asarray(state[0], np.float64).tolist()}}


report["toy_one"] = toy("toy-one", 1, 1)
report["toy_two_then_one"] = toy("toy-two-one", 2, 1)
report["toy_one_then_two"] = toy("toy-one-two", 1, "all")
try:
    with data_parallel(2):
        train(dataclasses.replace(cfg, batch=3), out=f"{out}/odd")
except BadInput as e:
    report["odd_batch"] = str(e)
try:
    with data_parallel(3):
        train(cfg, out=f"{out}/three")
except BadInput as e:
    report["too_many"] = str(e)
print(json.dumps(report))
