"""Writes the production model's metrics on today's evaluation window, for mlgen's baseline gate."""
import argparse
import json
from pathlib import Path

from mlflow import MlflowClient


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="baseline.json")
    args = parser.parse_args()
    client = MlflowClient("https://mlflow.example.com")
    production = client.get_latest_versions("fraud-canary", stages=["Production"])[0]
    run = client.get_run(production.run_id)
    keys = ["pr_auc", "recall_at_1pct_fpr", "p95_latency_ms"]
    Path(args.out).write_text(json.dumps({k: run.data.metrics[k] for k in keys if k in run.data.metrics}, indent=2))
    print(f"baseline: production v{production.version} -> {args.out}")


if __name__ == "__main__":
    main()
