"""``selforg <system> <verb> [options]``.

Each system contributes its own sub-command group from ``selforg.<system>.cli.add_parser``;
only the system named on the command line is imported, so ``selforg --help`` and small commands
start fast.

Exit codes: 0 success; 1 internal error (or training diverged); 2 bad input (one line on
stderr, no traceback; also ``selforg`` alone, after printing the help); 130 interrupted by
Ctrl-C after a checkpoint was written; 141 the reader of the output went away (``selforg ... |
head``: ends quietly, with the status a shell gives a process ended by SIGPIPE).

JAX is imported only by the verbs that compute with it; its persistent compilation cache is
switched on through environment variables, which JAX reads when (if) it is imported.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
import warnings

from selforg.core.cli import Parser
from selforg.core.errors import BadInput, Interrupted, TrainingDiverged

# name -> one-line description. Order is the order of `selforg --help`.
SYSTEMS: dict[str, str] = {
    "soup": "primordial soup of BFF/Forth/SUBLEQ programs where self-replicators emerge",
    "nca": "neural cellular automata: growing shapes, living textures, μNCA",
    "logic": "differentiable logic-gate cellular automata (Game of Life as a circuit)",
    "icl": "transformers learn in context by gradient descent; mesa-optimisation",
    "mplp": "learned learning rules: a message-passing protocol that trains networks",
    "crn": "differentiable chemical reaction networks: mass action, learned oscillators, SBML",
    "rd": "differentiable reaction-diffusion textures, Gray–Scott, non-uniform diffusion",
    "mesh": "Mesh NCA: textures grown on 3D meshes, trained on a sphere, run on any mesh",
}
# Commands that are not systems.
TOOLS: dict[str, str] = {
    "tour": "the main job: a short real demonstration of every system, as a web page",
    "gallery": "the trained models running live in a web browser (WebGL2)",
    "data": "built-in exemplar images and emoji targets",
    "sweep": "run any verb over a grid of seeds and settings, on Ray (local or a cluster)",
}


def build_parser(argv: list[str]) -> Parser:
    """The parser, with the sub-commands of the system named in `argv` (or none) attached."""
    parser = Parser(
        prog="selforg",
        description="selforg: self-organising systems, learned and emergent.",
        epilog="`selforg <system> --help` lists a system's verbs; make run starts the tour.",
    )
    sub = parser.add_subparsers(dest="command", metavar="<system>", parser_class=Parser)
    wanted = argv[0] if argv else None
    for name, help_text in {**SYSTEMS, **TOOLS}.items():
        if name == wanted:
            module = "selforg.tour" if name == "tour" else f"selforg.{name}.cli"
            if name == "data":
                module = "selforg.core.data_cli"
            importlib.import_module(module).add_parser(sub)
        else:
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


EXIT_BROKEN_PIPE = 141


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``selforg`` console script. Returns the exit code."""
    try:
        code = _main(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The Python docs' recipe: point stdout at devnull so the flush at exit cannot fail
        # again and print "Exception ignored".
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # stdout is not a real file (captured in tests)
            pass
        return EXIT_BROKEN_PIPE


def _main(argv: list[str]) -> int:
    # Subprocesses (ffmpeg, cc) fork and exec at once; JAX's fork warning is about fork alone.
    warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called", category=RuntimeWarning)
    try:
        parser = build_parser(argv)
        if not argv:
            parser.print_help(sys.stderr)
            return 2
        args = parser.parse_args(argv)
        func = getattr(args, "func", None)
        if func is None:
            if args.command:
                build_parser([args.command]).parse_args([args.command, "--help"])
            parser.print_help()
            return 0
        from selforg.core.jaxsetup import compile_cache_env

        compile_cache_env()
        if getattr(args, "devices", None) is not None:
            from selforg.core.parallel import data_parallel

            with data_parallel(args.devices):
                code = func(args)
        else:
            code = func(args)
        return 0 if code is None else int(code)
    except BrokenPipeError:
        raise
    except BadInput as e:
        print(f"selforg: error: {e}", file=sys.stderr)
        return 2
    except Interrupted as e:
        print(
            f"selforg: interrupted; the latest checkpoint is in {e.run_dir}/checkpoints."
            f" Continue it with the same command, --resume {e.run_dir} in place of --out"
            " (the run keeps its saved settings)",
            file=sys.stderr,
        )
        return 130
    except TrainingDiverged as e:
        print(f"selforg: training diverged: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("selforg: aborted", file=sys.stderr)
        return 130
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    except Exception:  # noqa: BLE001 - the last line of defence: report and exit 1
        traceback.print_exc()
        print("selforg: internal error (the traceback above says where)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
