"""Instructions per letter submitted, per email delivered and per alert email
sent, counted by valgrind's callgrind, for this tree and a base commit.

    python -m bench.instructions [--base REV] [--count N] [--only submit,deliver,alert]

Wall-clock ratios on a shared 2-core machine move by 20% between runs;
instruction counts do not (the same program on the same input executes
the same instructions, whatever else the machine is doing). Each workload
runs in a process of its own under callgrind three times: doing
everything but the work (the same imports, the same database, the same
prepared input), doing the work N times, and doing it 2N times. Two
figures come of it: the first N's cost over N, which includes what a
worker does once (compiling its statements, its first periodic jobs), and
the next N's cost over N (the 2N run less the N run): the marginal cost of
one more, what a long-running worker pays, and what the wall-clock
benchmarks measure. The base commit is checked out in a temporary git worktree beside
this one and measured the same way, and the two are printed with their
ratio. Everything runs on a copy of the SQLite database with the real
reference data (bench/common.py); mail goes to bench/sink.py in a process
callgrind does not follow.

The wall-clock benchmarks (bench.deliver, bench.submit, bench.fanout) stay
the published figures; this says whether a change made the code do more.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import (
    DATA_DIR,
    ROOT,
    SmtpSink,
    bench_config,
    machine,
    postcode_at,
    sqlite_copy,
)  # fmt: skip

WORKLOADS = ("submit", "deliver", "alert")
UNIT = {"submit": "letter submitted", "deliver": "email delivered", "alert": "alert email sent"}
NO_LIMIT = "100000000/hour"


# The workloads: prepare, then (when `work`) do it `count` times --------------


def _app(name: str, **overrides):
    from app import create_app

    config = bench_config(sqlite_copy(name), LOG_LEVEL="WARNING", **overrides)
    return create_app(config)


def submit(count: int, work: bool) -> int:
    """Letters posted to the JSON API, as the widget posts them."""
    from app.reference.representatives import Found, find_mp, reference_cache
    from app.tokens import Purpose, sign

    app = _app("instructions-submit.db", RATELIMIT_SUBMIT_PER_IP=NO_LIMIT,
               RATELIMIT_SUBMIT_PER_EMAIL=NO_LIMIT, RATELIMIT_SUBMIT_PER_MP=NO_LIMIT,
               RATELIMIT_SUBMIT_PER_PARTNER=NO_LIMIT, RATELIMIT_LOOKUP=NO_LIMIT,
               MODERATION_MAX_PER_IP_PER_DAY="100000000")  # fmt: skip
    rng = random.Random(1832)
    bodies = []
    with app.app_context():
        index = reference_cache().get().index
        while len(bodies) < count:
            found = find_mp(postcode_at(index, rng.randrange(len(index))))
            if not isinstance(found, Found) or not found.seat.can_email:
                continue
            n = len(bodies)
            ticket = sign(Purpose.FORM_TICKET, {"k": f"i-{n}", "t": round(time.time() - 60, 3)})
            bodies.append({
                "name": f"Constituent {n}", "email": f"writer{n}@example.com",
                "address1": f"{n} High Street", "address2": "", "town": "Anytown",
                "postcode": found.postcode, "subject": "Please publish MPs' expenses",
                "body": f"Dear {found.seat.mp.name},\n\nI have lived here for thirty years "
                        f"and I ask you to publish every claim in full (letter {n}).\n\n"
                        f"Yours sincerely,\nConstituent {n}",
                "form_ticket": ticket,
            })  # fmt: skip
    client = app.test_client()
    client.get("/api/v1/campaigns/mp-expenses")  # what every process has done once
    if not work:
        return 0
    accepted = 0
    for body in bodies:
        answer = client.post("/api/v1/campaigns/mp-expenses/messages", json=body)
        accepted += answer.status_code in (200, 201, 202)
    return accepted


def deliver(count: int, work: bool) -> int:
    """Confirmed letters delivered by one worker pass: the letter and the copy."""
    from app.outbox.worker import run_worker
    from bench.deliver import fill

    with SmtpSink() as sink:
        app = _app("instructions-deliver.db", MAIL_PORT=sink.port, DELIVERY_BATCH_SIZE=200,
                   WORKER_IDLE_SECONDS=0.05)  # fmt: skip
        fill(app, count)
        with app.app_context():
            from app.extensions import db

            db.session.remove()
            if not work:
                return 0
            run_worker(once=True)
        return sink.stats()["messages"]


def alert(count: int, work: bool) -> int:
    """An alert written, fanned out to `count` subscribers and sent, by the
    tree's own bench.fanout (whose names for it change with the code)."""
    from bench.fanout import ours, prepare

    with SmtpSink() as sink:
        app = prepare(sqlite_copy("instructions-alert.db"), count, sink.port)
        if not work:
            return 0
        ours(app)
        return sink.stats()["messages"]


# Running them under callgrind ---------------------------------------------


def _env() -> dict:
    # The same hashes in every run, and the data wherever the tree is.
    return {**os.environ, "PYTHONHASHSEED": "0", "DATA_DIR": str(DATA_DIR)}


def counted(tree: Path, workload: str, count: int, work: bool) -> tuple[int, int]:
    """(instructions, units done) of one run of `workload` in `tree`."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        env = _env()
        command = [
            "valgrind", "--tool=callgrind", "--trace-children=no", f"--callgrind-out-file={out}",
            sys.executable, "-m", "bench.instructions", "--inner", workload, "--count", str(count),
        ]  # fmt: skip
        if work:
            command.append("--work")
        run = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"{workload} in {tree} failed:\n{run.stderr[-3000:]}")
        totals = re.search(r"^(?:summary|totals):\s*(\d+)", out.read_text(), re.M)
        done = json.loads(run.stdout.strip().splitlines()[-1])["done"]
        return int(totals.group(1)), done


def per_unit(tree: Path, workload: str, count: int) -> tuple[float, float, int]:
    """(the first `count`'s instructions per unit, the next `count`'s, units done)."""
    # Once at full speed first: the real reference data loaded into the
    # tree's SQLite file (each run copies it), and every module it imports
    # compiled, so no counted run compiles what another does not.
    inner = [sys.executable, "-m", "bench.instructions", "--inner", workload]
    subprocess.run([*inner, "--count", "2", "--work"], cwd=tree, env=_env(), check=True,
                   capture_output=True)  # fmt: skip
    idle, _ = counted(tree, workload, count, work=False)
    busy, done = counted(tree, workload, count, work=True)
    more, done_more = counted(tree, workload, 2 * count, work=True)
    first = (busy - idle) / max(done, 1)
    marginal = (more - busy) / max(done_more - done, 1)
    return first, marginal, done


def worktree(rev: str) -> Path:
    """`rev` checked out beside this tree, with this harness in it (an older
    commit may not have it; it drives each tree through that tree's own
    bench helpers)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-base-"))
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(folder), rev], cwd=ROOT,
                   check=True)  # fmt: skip
    (folder / "bench" / "instructions.py").write_bytes(Path(__file__).read_bytes())
    # Bases from a6d42b8 to before e6a37cd fingerprinted the schema with a
    # partial index's repr, which names a memory address: every counted run
    # then rebuilt the real-data database under callgrind (40 minutes a run).
    common = folder / "bench" / "common.py"
    if common.exists():
        common.write_text(common.read_text().replace(_UNSTABLE_FINGERPRINT, _STABLE_FINGERPRINT))
    return folder


_UNSTABLE_FINGERPRINT = ' {i.dialect_kwargs}"'
_STABLE_FINGERPRINT = ' {sorted((k, str(v)) for k, v in i.dialect_kwargs.items())}"'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD", help="the commit to compare with (HEAD)")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--only", default=",".join(WORKLOADS))
    parser.add_argument("--inner", choices=WORKLOADS, help=argparse.SUPPRESS)
    parser.add_argument("--work", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        done = globals()[args.inner](args.count, args.work)
        print(json.dumps({"done": done}))
        return
    print(f"machine: {machine()}; callgrind, PYTHONHASHSEED=0, {args.count} of each", flush=True)
    base = worktree(args.base)
    try:
        for workload in args.only.split(","):
            their_first, theirs, _ = per_unit(base, workload, args.count)
            our_first, ours, done = per_unit(ROOT, workload, args.count)
            print(f"{workload}: {ours:,.0f} instructions per {UNIT[workload]} here, "
                  f"{theirs:,.0f} at {args.base}: {ours / theirs:.3f}x (one more, after "
                  f"{done}); the first {done}: {our_first:,.0f} here, {their_first:,.0f} "
                  f"there, {our_first / their_first:.3f}x", flush=True)  # fmt: skip
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
