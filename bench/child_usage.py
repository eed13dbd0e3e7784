"""CPU time and peak RSS of the child processes that measured code starts (Linux; bench helper).

The harvester reads big RDF pages in child processes (``harvester.sources.rdf_page_child``, which
starts ``rdf_pipe``), so a benchmark that counts only its own process misses that work.
``ChildUsage`` counts the children started between ``start()`` and ``stop()``:

* CPU: the change of ``getrusage(RUSAGE_CHILDREN)`` user + system time, i.e. of every child (and
  its own waited-for children) reaped in between. Exact.
* Peak RSS: the largest ``VmHWM`` (the kernel's high-water mark of resident memory) of any child
  started through ``subprocess.Popen``, plus the ``VmHWM``s of that child's own descendants (a page
  process and the parser process it starts run together), read from ``/proc`` every 10 ms while
  they run; as it is a high-water mark, only growth in a process's last 10 ms can be missed, and
  as the peaks are added up whether or not they coincided, the figure errs on the high side. Not ``ru_maxrss`` of
  ``RUSAGE_CHILDREN``: on Linux a child's ``ru_maxrss`` includes its parent's peak at the moment it
  was spawned (exec keeps the high-water mark of the memory it replaces; measured here: after a
  411 MB peak, a spawned ``true`` reports 411 MB), which would count the parent twice.

Children started otherwise (``multiprocessing``'s fork server and workers) are not watched for RSS;
benchmarks that use them read those processes' figures themselves.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading

_INTERVAL = 0.01  # seconds between /proc reads


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _hwm_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next((int(line.split()[1]) / 1024 for line in fh if line.startswith("VmHWM:")), 0.0)
    except OSError:  # gone (a zombie has no VmHWM line either)
        return 0.0


class ChildUsage:
    """``start()`` before the measured code, ``stop()`` after it: (CPU seconds, largest peak RSS MB)."""

    def __init__(self) -> None:
        self._pids: list[int] = []
        self._peak = 0.0
        self._cpu = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="child-usage", daemon=True)
        self._popen = subprocess.Popen

    def start(self) -> "ChildUsage":
        pids, base = self._pids, self._popen

        class Watched(base):  # type: ignore[misc, valid-type]
            def __init__(self, *args: object, **kwargs: object) -> None:
                super().__init__(*args, **kwargs)
                pids.append(self.pid)

        subprocess.Popen = Watched  # type: ignore[misc]  # code that looks it up at call time is seen
        self._cpu = _children_cpu()
        self._thread.start()
        return self

    def stop(self) -> tuple[float, float]:
        cpu = _children_cpu() - self._cpu
        self._done.set()
        self._thread.join()
        subprocess.Popen = self._popen  # type: ignore[misc]
        return cpu, self._peak

    def _sample(self) -> None:
        trees: dict[int, dict[int, float]] = {}  # watched child -> {pid of it or a descendant: VmHWM MB}
        live: set[int] = set()
        seen = 0
        while not self._done.wait(_INTERVAL):
            for pid in self._pids[seen:]:
                trees[pid] = {}
                live.add(pid)
            seen = len(self._pids)
            for root in list(live):
                members = trees[root]
                found = False
                for pid in _tree(root):
                    hwm = _hwm_mb(pid)
                    if hwm:
                        found = True
                        members[pid] = max(members.get(pid, 0.0), hwm)
                if not found:
                    live.discard(root)
                # A child and its own children (a page process and its parser process) run together.
                self._peak = max(self._peak, sum(members.values()))


def _tree(pid: int) -> list[int]:
    """``pid`` and its living descendants (``/proc/PID/task/TID/children``, Linux 3.5+)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    todo.extend(int(child) for child in fh.read().split())
        except OSError:  # gone meanwhile
            pass
    return out
