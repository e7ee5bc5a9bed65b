"""Daily batch scoring: every active customer gets a churn probability.

    python src/predict.py --model "$MLGEN_MODEL_VERSION" --out predictions/
"""
import argparse
import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import registry  # noqa: E402,I001  (first: it configures MLflow's environment)
import mlflow.sklearn  # noqa: E402
import pandas as pd  # noqa: E402

from features import build_features  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="latest", help='a registry version, or "latest" for @production')
    parser.add_argument("--data", default="data/")
    parser.add_argument("--out", default="predictions/")
    args = parser.parse_args()
    suffix = f"@{registry.PRODUCTION}" if args.model == "latest" else f"/{args.model}"
    uri = f"models:/{registry.NAME}{suffix}"
    model = mlflow.sklearn.load_model(uri)

    customers = pd.read_csv(Path(args.data) / "active_customers.csv")
    events = pd.read_csv(Path(args.data) / "events.csv")
    features = build_features(customers, events)
    scores = pd.DataFrame({"customer_id": features.index, "churn_probability": model.predict_proba(features.to_numpy())[:, 1]})
    out = Path(args.out) / f"churn-{dt.date.today().isoformat()}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    scores.to_csv(out, index=False)
    print(f"scored {len(scores)} customers with {uri} -> {out}")


if __name__ == "__main__":
    main()
