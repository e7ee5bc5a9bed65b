"""Smoke test: the staged model scores a sample of customers with sane probabilities."""
import argparse
import sys

import mlflow
import pandas as pd

sys.path.insert(0, "src")
from features import build_features  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stage", default="staging")
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()
    model = mlflow.lightgbm.load_model(f"models:/churn-propensity/{args.stage.capitalize()}")
    customers = pd.read_parquet("data/active_customers.parquet").head(args.rows)
    scores = model.predict_proba(build_features(customers, pd.read_parquet("data/events.parquet")))[:, 1]
    mean = float(scores.mean())
    if not (scores.min() >= 0 and scores.max() <= 1 and 0.005 < mean < 0.5):
        raise SystemExit(f"implausible scores: mean {mean:.4f}, range {scores.min():.4f}..{scores.max():.4f}")
    print(f"{len(scores)} customers scored, mean churn probability {mean:.4f}")


if __name__ == "__main__":
    main()
