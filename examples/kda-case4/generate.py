"""Write the "Triple trouble" sample files (Kusto Detective Agency, season 2, case 4).

Usage: python examples/kda-case4/generate.py --scale 0.01 --seed 0 --out case4-data

The data folder also gets copies of setup.kql and investigation.kql. Scale 1 writes the real files' row counts (about 45 million log rows, some minutes of work);
0.01 takes a couple of seconds and still contains the planted answer. See README.md beside
this file for the set-up script and the investigation.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

try:
    from kqlite.samples import kda_case4
except ImportError:  # run from a source checkout without installing kqlite
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from kqlite.samples import kda_case4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiplies every row count; 1 gives the real files' sizes (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, default=Path("."),
                        help="folder to write the files into (default: the current folder)")
    options = parser.parse_args()

    started = time.perf_counter()
    manifest = kda_case4.generate(options.out, scale=options.scale, seed=options.seed, progress=print)
    kda_case4.copy_scripts(options.out)

    planted = manifest["planted"]
    print(f"planted: {planted['company']} ({', '.join(planted['ips'])}), burst on {planted['burst_day']}")
    print(f"wrote {options.out} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
