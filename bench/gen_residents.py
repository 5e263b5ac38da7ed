"""Write a CSV of generated Pangkalpinang residents (valid, unique NIKs; fixed seed).

    .venv/bin/python bench/gen_residents.py /tmp/residents.csv --rows 250000
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from sponsorship.beneficiaries.demo import generate_rows, to_csv

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=1971)
    args = parser.parse_args()
    args.path.write_bytes(to_csv(generate_rows(args.rows, seed=args.seed)))
    print(f"{args.rows} rows -> {args.path}")


if __name__ == "__main__":
    main()
