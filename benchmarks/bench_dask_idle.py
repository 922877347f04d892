"""How much CPU an idle local Dask cluster of the grader keeps busy, with Dask's default
settings and with helpers.grading.parallel.QUIET_CLUSTER (the figure in that constant's
comment and in docs/deployment.md).

    python benchmarks/bench_dask_idle.py            # 2 workers, 20 s windows
"""

from __future__ import annotations

import argparse
import time

import dask
from bench_parallel_grading import machine_busy_seconds
from dask.distributed import Client, LocalCluster

from helpers.grading import parallel


def idle_cores(settings: dict, workers: int, seconds: float) -> float:
    """Cores the machine kept busy while a cluster of `workers` idle workers sat for `seconds`."""
    with dask.config.set(settings):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)  # fmt: skip
    with cluster, Client(cluster) as client:
        client.run(parallel.warm_up)
        time.sleep(3)
        busy, start = machine_busy_seconds(), time.perf_counter()
        time.sleep(seconds)
        return (machine_busy_seconds() - busy) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    default = idle_cores({}, args.workers, args.seconds)
    quiet = idle_cores(parallel.QUIET_CLUSTER, args.workers, args.seconds)
    print(f"{args.workers} idle workers, {args.seconds:.0f} s: {default:.3f} cores busy with "
          f"Dask's defaults, {quiet:.3f} with QUIET_CLUSTER")  # fmt: skip


if __name__ == "__main__":
    main()
