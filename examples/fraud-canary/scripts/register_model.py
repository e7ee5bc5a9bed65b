"""Registers the model with its image, so the registry says which container serves which model."""
import argparse
import json
from pathlib import Path

import mlflow


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", required=True)
    parser.add_argument("--image", required=True)
    args = parser.parse_args()
    mlflow.set_tracking_uri("https://mlflow.example.com")
    with mlflow.start_run(run_name=f"fraud-{args.version[:8]}"):
        mlflow.log_metrics(json.loads(Path("metrics.json").read_text()))
        mlflow.set_tags({"commit": args.version, "image": args.image})
        mlflow.log_artifacts("model", artifact_path="model")
        run = mlflow.active_run()
    mlflow.register_model(f"runs:/{run.info.run_id}/model", "fraud-canary")


if __name__ == "__main__":
    main()
