"""CLI start-up: how long light commands take next to a bare Python start, measured in the same run.

    python bench/cli.py [--repeats 9] [--keep] [--no-bytecode] [--instructions]

Sets up a small store (one ingested text file, no extraction), then runs, as a user would
(the installed ``harvestwatch`` console script in a fresh process each time):

- ``python -c pass`` (the baseline: what any Python command costs);
- ``harvestwatch --help``, ``data list``, ``show 1`` (JSON and as text), ``verify``,
  ``hospitals list``, ``plugins``, ``ledger show`` and ``audit`` (light commands: goal ≤ 0.5 s
  wall on an idle machine);
- ``analyse robertson`` (an analysis command: numpy, scipy and the like load here, as they should).

Rounds are interleaved (each round runs every command once); each command's median over
``--repeats`` rounds is printed, with the best, for wall time and for CPU time (user + system
of the child), and its ratio to the baseline's median. On a machine shared with other work
the wall figures are noisy, CPU time less so; ratios to the baseline measured in the same
rounds matter more than the absolute seconds. The load average is printed before and after.

Modules run from compiled bytecode, as from an installed wheel: the runs share a private
``PYTHONPYCACHEPREFIX`` (written by the warm-up round, so the source tree is left alone),
even where the environment sets ``PYTHONDONTWRITEBYTECODE`` (``--no-bytecode`` keeps it; then
every start compiles the package's sources again).

Last, one ``-X importtime`` run per command gives the summed import time and the packages
that cost most (also noisy, but independent of how long the command itself works), and with
``--instructions`` (valgrind installed) one run per command counts the instructions it
executes: a figure the load of a shared machine does not change (``python -c pass`` as base).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

PY = sys.executable
HW = str(Path(PY).with_name("harvestwatch"))
GOAL_S = 0.5

COMMANDS: dict[str, list[str]] = {
    "python -c pass": [PY, "-c", "pass"],
    "--help": [HW, "--help"],
    "data list": [HW, "data", "list", "--json"],
    "show 1 --json": [HW, "show", "1", "--json"],
    "show 1": [HW, "show", "1"],
    "verify": [HW, "verify"],
    "hospitals list": [HW, "hospitals", "list", "--json"],
    "plugins": [HW, "plugins"],
    "ledger show": [HW, "ledger", "show"],
    "audit": [HW, "audit", "--json"],
    "analyse robertson": [HW, "analyse", "robertson", "--json"],
}
LIGHT = ("--help", "data list", "show 1 --json", "show 1", "verify", "hospitals list", "plugins",
         "ledger show", "audit")


def run_once(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``argv``; fails loudly on a non-zero exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def import_profile(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, list[tuple[str, float]]]:
    """Summed ``-X importtime`` self times (s) and the five top-level packages that cost most."""
    if argv[0] == HW:
        argv = [PY, "-X", "importtime", "-m", "harvestwatch", *argv[1:]]
    else:
        argv = [PY, "-X", "importtime", *argv[1:]]
    proc = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    per_package: dict[str, float] = defaultdict(float)
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line[len("import time:"):].split("|")
        per_package[name.strip().split(".")[0]] += int(self_us) / 1e6
    top = sorted(per_package.items(), key=lambda kv: -kv[1])[:5]
    return sum(per_package.values()), top


def instructions(argv: list[str], env: dict[str, str], cwd: Path) -> int:
    """Instructions one run of ``argv`` executes, counted by valgrind (cachegrind, no cache model)."""
    proc = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                           *argv], env=env | {"PYTHONHASHSEED": "0"}, cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    refs = [line for line in proc.stderr.splitlines() if "I" in line and "refs:" in line]
    if proc.returncode != 0 or not refs:
        raise SystemExit(f"valgrind {' '.join(argv)} exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    return int(refs[-1].rsplit(":", 1)[1].replace(",", ""))


def small_store(root: Path, env: dict[str, str]) -> None:
    """A store with one ingested text document (id 1), without extraction."""
    doc = root / "note.txt"
    doc.write_text("The hospital reported 120 kidney transplants in 2015, a spokesman said.\n", encoding="utf-8")
    run_once([HW, "ingest", str(doc), "--no-extract"], env, root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=9, help="interleaved rounds (median and best shown)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary store and print its path")
    parser.add_argument("--instructions", action="store_true",
                        help="also count each command's instructions under valgrind (slow; load-independent)")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="leave PYTHONDONTWRITEBYTECODE as it is (source compiled on every start)")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="hw-bench-cli-"))
    env = os.environ | {"HARVESTWATCH_STORE": str(root / "store"), "HARVESTWATCH_ACTOR": "bench",
                        "COLUMNS": "100"}
    if not args.no_bytecode:  # as installed from a wheel: modules run from compiled bytecode
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    load_before = os.getloadavg()
    small_store(root, env)
    for argv in COMMANDS.values():  # warm the file cache and .pyc files
        run_once(argv, env, root)

    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.repeats):
        for name, argv in COMMANDS.items():
            w, c = run_once(argv, env, root)
            wall[name].append(w)
            cpu[name].append(c)

    load_after = os.getloadavg()
    med_wall = {name: statistics.median(v) for name, v in wall.items()}
    med_cpu = {name: statistics.median(v) for name, v in cpu.items()}
    base_wall, base_cpu = med_wall["python -c pass"], med_cpu["python -c pass"]
    print(f"median (best) of {args.repeats} interleaved rounds on {os.cpu_count()} CPUs; load average "
          f"(1, 5, 15 min) {' '.join(f'{x:.2f}' for x in load_before)} before, "
          f"{' '.join(f'{x:.2f}' for x in load_after)} after (figures are noisy on a shared machine)\n")
    print(f"{'command':<20} {'wall s':>7} {'(best)':>7} {'× pass':>7} {'cpu s':>7} {'(best)':>7} {'× pass':>7}  goal")
    for name in COMMANDS:
        w, c = med_wall[name], med_cpu[name]
        goal = (f"≤ {GOAL_S} s wall: {'met' if w <= GOAL_S else 'over'}" if name in LIGHT else "")
        print(f"{name:<20} {w:7.3f} {min(wall[name]):7.3f} {w / base_wall:7.1f} {c:7.3f} {min(cpu[name]):7.3f} "
              f"{c / max(base_cpu, 1e-3):7.1f}  {goal}")

    print("\n-X importtime (one run each): summed self time of every import, and the costliest packages")
    for name, argv in COMMANDS.items():
        total, top = import_profile(argv, env, root)
        print(f"{name:<20} {total:6.3f} s  " + ", ".join(f"{pkg} {s:.3f}" for pkg, s in top))

    if args.instructions:
        print("\ninstructions (valgrind, one run each; independent of the machine's load)")
        base = instructions(COMMANDS["python -c pass"], env, root)
        for name, argv in COMMANDS.items():
            n = base if name == "python -c pass" else instructions(argv, env, root)
            print(f"{name:<20} {n / 1e6:8.0f} M  {n / base:6.1f} × pass")

    if args.keep:
        print(f"\nstore kept in {root}")
    else:
        import shutil

        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
