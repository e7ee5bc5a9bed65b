"""Writes a recent batch of scored customers' features for the monitor to compare.

    python scripts/recent_batch.py --out monitoring/recent_batch.csv [--price-rise 0.4]

The batch is the snapshot's newest month (run scripts/pull_snapshot.py first). With
--price-rise, every monthly charge rises by that share, as after a pricing change the
model never saw: the monitor then reports drift on monthly_charge and charge_change_3m.
"""
import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from features import build_features  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--data", default="data/")
    parser.add_argument("--price-rise", type=float, default=0.0)
    args = parser.parse_args()
    data = Path(args.data)
    active = pd.read_csv(data / "active_customers.csv")
    active["monthly_charge"] = (active["monthly_charge"] * (1 + args.price_rise)).round(2)
    features = build_features(active, pd.read_csv(data / "events.csv"))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    features.to_csv(args.out, index=False)
    print(f"recent batch: {len(features)} customers, price rise {args.price_rise:.0%} -> {args.out}")


if __name__ == "__main__":
    main()
