"""Batch rendering: many jobs on a process pool or a Dask cluster, resumable, one outcome each.

Three steps, each usable alone:

- :func:`read_jobs` reads and checks a manifest (CSV/TSV/JSON Lines) or a folder of
  results and photos, before any work starts;
- :func:`render_batch` runs any iterable of :class:`Job` on any
  ``concurrent.futures.Executor`` and yields one :class:`Outcome` per job as it finishes,
  with a bounded number of jobs in flight;
- :func:`run_batch` adds what the ``maskrender batch`` command shows: a progress bar,
  ``errors.jsonl``, ``--resume`` and a :class:`Summary`.

Every output is made in the batch's own folder (``OUT/.maskrender-batch``) and renamed into
place, so a batch killed at any moment leaves only complete outputs; the next run removes what
a killed one left in that folder, and nothing else (never an input, never a file it did not
make). ``run_batch`` records there what each output was made from (a hash of its inputs and
options), and ``resume`` skips an output only if it :func:`is_complete` and was made from the
same. Killing the batch kills its workers; SIGTERM is handled like Ctrl-C; a job past its time
limit fails as ``TimeoutError``. The same jobs give byte-identical outputs whatever the
executor and the number of workers.

Examples
--------
From a script, on a process pool of every core (guard the entry point: workers start with
``spawn``, which imports the main module)::

    from maskrender.batch import Job, render_batch

    if __name__ == "__main__":
        jobs = (Job(f"results/{n}.json", f"out/{n}.png", f"photos/{n}.jpg") for n in names)
        for outcome in render_batch(jobs):
            if not outcome.ok:
                print(outcome.job.label, outcome.error, outcome.message)

On a Dask cluster, unchanged::

    from dask.distributed import Client
    with Client("tcp://scheduler:8786") as client:
        for outcome in render_batch(jobs, client.get_executor()):
            ...

>>> import os, shutil, tempfile
>>> results = tempfile.mkdtemp()                 # a folder of NAME.json + NAME.jpg pairs
>>> for name in ("ann", "bob"):
...     _ = shutil.copy("fixtures/acne.json", os.path.join(results, name + ".json"))
...     _ = shutil.copy("fixtures/portrait.jpg", os.path.join(results, name + ".jpg"))
>>> out = os.path.join(tempfile.mkdtemp(), "out")
>>> jobs = read_jobs(results, out, format="jpg", defaults={"mask_set": "original"})
>>> summary = run_batch(jobs, out, workers=2)
>>> summary.done, summary.failed, sorted(os.listdir(out))
(2, 0, ['.maskrender-batch', 'ann.jpg', 'bob.jpg'])
>>> print(summary)                                                     # doctest: +ELLIPSIS
2 done, 0 skipped, 0 failed in ... s (... images/s)
"""

from __future__ import annotations

from maskrender.batch._jobs import BatchError, Job, Outcome
from maskrender.batch._manifest import COLUMNS, Manifest, read_jobs
from maskrender.batch._resume import is_complete
from maskrender.batch._run import dask_executor, process_pool, render_batch
from maskrender.batch._session import Summary, run_batch

__all__ = [
    "COLUMNS",
    "BatchError",
    "Job",
    "Manifest",
    "Outcome",
    "Summary",
    "dask_executor",
    "is_complete",
    "process_pool",
    "read_jobs",
    "render_batch",
    "run_batch",
]
