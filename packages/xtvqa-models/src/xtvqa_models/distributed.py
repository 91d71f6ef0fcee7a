"""Which process am I? One helper over `accelerate` for sharding evaluation work.

`accelerate launch apps/bench ...` starts one process per device with RANK/WORLD_SIZE set; each
evaluates `items[rank::world_size]` into its own shard file, then rank 0 merges after a barrier.
A plain `python`/`uv run` start is a world of one and never initialises torch.distributed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProcessInfo:
    rank: int
    world_size: int
    barrier: Callable[[], None]
    device: str | None = None

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def _no_barrier() -> None:
    return None


def process_info() -> ProcessInfo:
    """The current process's rank and world size (accelerate's `PartialState` when launched)."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return ProcessInfo(rank=0, world_size=1, barrier=_no_barrier)
    import torch
    from accelerate import PartialState

    # Without an accelerator, accelerate only sets up a CPU process group (gloo) when asked for
    # the CPU explicitly; otherwise every rank would believe it is alone.
    state = PartialState(cpu=not torch.cuda.is_available())
    return ProcessInfo(
        rank=state.process_index,
        world_size=state.num_processes,
        barrier=state.wait_for_everyone,
        device=str(state.device),
    )


def run_stamp() -> str:
    """A time stamp (`%Y%m%d-%H%M%S`) for a default run folder, the same on every process of a
    launch: rank 0's, broadcast (each rank's own clock could name another second, and the ranks
    would write two run folders)."""
    import time

    stamp = time.strftime("%Y%m%d-%H%M%S")
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return stamp
    process_info()  # the process group, which the broadcast needs
    from accelerate.utils import broadcast_object_list

    return broadcast_object_list([stamp], from_process=0)[0]


def shutdown() -> None:
    """Destroy the process group, if one was started, before the interpreter exits.

    Left to interpreter teardown, gloo's threads can outlive their owner and abort the process
    ("terminate called without an active exception") after the work has succeeded. Objects that
    still hold the group (a finished Trainer's DDP wrapper and its reducer, with the gloo work of
    the last all-reduce: garbage in reference cycles) are collected first, while the interpreter
    is whole: destroyed during its finalisation, that work's tensors take the GIL and abort (the
    mechanism pytorch/pytorch#179291 describes). We saw the abort once in about thirty two-process
    training launches; this collection is our mitigation, not a reproduced fix.
    """
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return
    import gc

    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        gc.collect()
        dist.destroy_process_group()
