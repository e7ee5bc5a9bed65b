"""Daily batch scoring: every active customer gets a churn probability.

    python src/predict.py --model "$MLGEN_MODEL_VERSION" --out predictions/
"""
import argparse
import datetime as dt
from pathlib import Path

import mlflow
import pandas as pd

from features import build_features


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="latest", help='a registry version, or "latest" for the production stage')
    parser.add_argument("--out", default="predictions/")
    args = parser.parse_args()
    uri = "models:/churn-propensity/Production" if args.model == "latest" else f"models:/churn-propensity/{args.model}"
    model = mlflow.lightgbm.load_model(uri)

    customers = pd.read_parquet("data/active_customers.parquet")
    events = pd.read_parquet("data/events.parquet")
    features = build_features(customers, events)
    scores = pd.DataFrame({"customer_id": features.index, "churn_probability": model.predict_proba(features)[:, 1]})
    out = Path(args.out) / f"churn-{dt.date.today().isoformat()}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    scores.to_parquet(out, index=False)
    print(f"scored {len(scores)} customers with {uri} -> {out}")


if __name__ == "__main__":
    main()
