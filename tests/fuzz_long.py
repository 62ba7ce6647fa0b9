"""Long-mode fuzzing of ``maskrender.load``, photos, manifests and command lines against hostile input
(issues 7 and 15).

Run from the repository root (the package installed, e.g. ``pip install -e ".[dev]"``)::

    python tests/fuzz_long.py --cases 100000              # the long run: ~10 minutes on one core
    python tests/fuzz_long.py --cases 20000 --kinds photo,manifest,cli   # only those
    python tests/fuzz_long.py --cases 2000 --seed 7       # a quick look
    python tests/fuzz_long.py --cases 100000 --save /tmp/crashes   # keep every failing input

Every case is a byte string from one of these generators, picked at random:

* ``bytes``      random bytes, sometimes behind a JSON-looking prefix;
* ``json``       random JSON built from the format's own vocabulary (``mask_type``, ``features``...);
* ``mutate``     a valid fixture, parsed, with 1-4 fields dropped, duplicated, retyped, scaled,
                 wrapped in a list or unwrapped, then serialised (also loaded as the parsed data);
* ``text``       a valid fixture's bytes with 1-3 byte-level edits (cut, delete, repeat a span,
                 plant a token such as ``NaN``, ``true``, ``1e999``, a 400-digit integer, ``\\xff``);
* ``plant``      a small valid mask with one hostile value planted where a number, string, list or
                 object belongs;
* ``photo``      a small photo of a random mode (1, L, LA, P, RGB, RGBA, CMYK, I;16, I, F) and format
                 (PNG, JPEG, WebP, PPM, TIFF, GIF, BMP) with EXIF, ICC, dpi, a transparency key, then
                 0-3 byte edits: ``open_photo`` gives RGB/RGBA without a key (and a render on it encodes
                 in every format) or raises a ``MaskRenderError``;
* ``manifest``   a CSV/TSV/JSON Lines manifest with registry columns and others, hostile cells (``..``,
                 NUL, 300 bytes, CJK, escapes): ``read_jobs`` gives jobs writing plain names of at most
                 255 bytes inside the output folder, or a ``BatchError``;
* ``cli``        a ``maskrender render`` command line with random registry options and values (sizes,
                 colours, names, qualities, formats): exit status 0 with a whole output, or 2 with one
                 line per message and nothing written; never a traceback;
* ``api``        a public call (``render``, ``render_svg``, ``select_masks``, ``Results.masks``, ``Style``,
                 ``summarize``, ``open_photo``) with one argument of a wrong or odd type: it returns, or
                 raises a ``MaskRenderError`` or a ``TypeError`` saying what was expected;
* ``photo_object`` a numpy array (every dtype kind and byte order, odd shapes, NaN) or a PIL image
                 (16-bit of either byte order, ``F``; ICC profiles real, broken or over 1 MB):
                 ``open_photo`` gives RGB/RGBA with the input's values, untagged, or an ``ImageError``
                 (``helpers/fuzz_api.py``);
* ``catalogue``, ``font``, ``export_names``, ``executor``: hostile language catalogues and damaged
                 fonts given to a report, masks with hostile names exported in every format, batches on
                 executors that fail (``helpers/fuzz_round3.py``, issue 22).

The oracle: ``load()`` either returns a model that survives use (area, coverage, the
``to_geojson`` round-trip giving the same geometry without a warning, ``summarize`` as strict
JSON, printing the summary as UTF-8) or raises a ``MaskRenderError`` whose message starts with
the source's name. Anything else is a failure: another exception (with its traceback's last
line), a warning that is not a ``MaskRenderWarning``, or a case that takes more than ``--slow``
seconds of CPU time (a hang; CPU time, so a busy machine does not make false alarms). The run
prints the cases run, the failures by kind and the timing, and exits 1 if anything failed.
``tests/parse/test_fuzz_load.py`` runs the same generators and oracle under hypothesis, at a small
budget, in CI.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers.fuzz import GENERATORS, OracleError, check_case
from helpers.fuzz_api import GENERATORS as API_GENERATORS
from helpers.fuzz_inputs import GENERATORS as INPUT_GENERATORS
from helpers.fuzz_round3 import GENERATORS as ROUND3_GENERATORS

INPUT_GENERATORS = {**INPUT_GENERATORS, **API_GENERATORS, **ROUND3_GENERATORS}

# --------------------------------------------------------------------------- the long run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="how many cases (default 100,000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--slow", type=float, default=5.0, help="CPU seconds after which a case counts as a hang")
    parser.add_argument("--save", type=Path, help="folder to write each failing input to")
    parser.add_argument("--progress", type=int, default=10_000, help="print a line every N cases (0: never)")
    parser.add_argument("--kinds", default=",".join([*GENERATORS, *INPUT_GENERATORS]),
                        help="generators to take turns, comma-separated (default: all)")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    kinds = args.kinds.split(",")
    failures: Counter[str] = Counter()
    per_kind: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    slowest = (0.0, "")
    start, cpu_start = time.perf_counter(), time.process_time()
    for i in range(args.cases):
        kind = kinds[i % len(kinds)]
        case_rng = random.Random(rng.getrandbits(64))
        per_kind[kind] += 1
        failed = None
        raw = b""
        if kind in INPUT_GENERATORS:
            case = INPUT_GENERATORS[kind](case_rng)
            t0 = time.process_time()
            try:
                done = case()  # True / exit status 0: accepted; False / 2: refused (False == 0, so not `in`)
                outcomes["accepted" if done is True or (type(done) is int and done == 0) else "refused"] += 1
            except OracleError as failure:
                failed = f"{kind}: {failure}"
        else:
            raw, data = GENERATORS[kind](case_rng)
            t0 = time.process_time()
            try:
                outcomes["model" if check_case(raw, data) else "error"] += 1
            except OracleError as failure:
                failed = f"{kind}: {failure}"
        elapsed = time.process_time() - t0
        if elapsed > slowest[0]:
            slowest = (elapsed, f"case {i} ({kind})")
        if elapsed > args.slow:
            failed = failed or f"{kind}: more than {args.slow:g} s of CPU time"
        if failed:
            failures[failed] += 1
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / f"fuzz_{args.seed}_{i}.json").write_bytes(raw)
        if args.progress and (i + 1) % args.progress == 0:
            print(f"  {i + 1:,} cases, {sum(failures.values())} failures, {time.perf_counter() - start:.0f} s",
                  flush=True)
    total = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"cases run: {args.cases:,} (seed {args.seed}; " + ", ".join(f"{k} {n:,}" for k, n in per_kind.items())
          + ")")
    print(f"outcomes: {outcomes['model']:,} loaded to a model, {outcomes['error']:,} MaskRenderError; "
          f"photos, manifests, command lines: {outcomes['accepted']:,} accepted, {outcomes['refused']:,} refused "
          "with a MaskRenderError or exit status 2")
    print(f"failures: {sum(failures.values())}")
    for what, n in failures.most_common():
        print(f"  {n:6,} x {what}")
    cpu = time.process_time() - cpu_start
    print(f"time: {total:.1f} s wall, {cpu:.1f} s CPU, {1e3 * cpu / max(1, args.cases):.2f} ms CPU a case, slowest "
          f"{slowest[0] * 1e3:.0f} ms CPU ({slowest[1]}); peak RSS {rss:.0f} MiB")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
