"""Smoke test: the model behind a registry alias scores a sample of customers with sane probabilities.

    python scripts/score_sample.py --stage staging --rows 1000
"""
import argparse
import sys
from pathlib import Path

import registry  # first: it configures MLflow's environment

import mlflow.sklearn
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from features import build_features  # noqa: E402  (after the path setup above)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stage", choices=[registry.STAGING, registry.PRODUCTION], default=registry.STAGING)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--data", default="data/")
    args = parser.parse_args()
    uri = f"models:/{registry.NAME}@{args.stage}"
    model = mlflow.sklearn.load_model(uri)
    customers = pd.read_csv(Path(args.data) / "active_customers.csv").head(args.rows)
    events = pd.read_csv(Path(args.data) / "events.csv")
    scores = model.predict_proba(build_features(customers, events).to_numpy())[:, 1]
    mean = float(scores.mean())
    print(f"{uri}: {len(scores)} customers scored, mean churn probability {mean:.4f}, range {scores.min():.4f}..{scores.max():.4f}")
    if not (scores.min() >= 0 and scores.max() <= 1 and 0.005 < mean < 0.5):
        print("FAIL: implausible scores: a churn model's mean lies between 0.005 and 0.5")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
