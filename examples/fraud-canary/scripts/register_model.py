"""Registers model/ in the MLflow model registry with its metrics, commit and image.

    python scripts/register_model.py --version "$MLGEN_VERSION" --image "$MLGEN_IMAGE"

The registry then says which container serves which model; scripts/fetch_prod_metrics.py
reads the metrics back for the baseline gate, scripts/promote.py moves the aliases.
"""
import argparse
import json
from pathlib import Path

import registry  # noqa: I001  (first: it configures MLflow's environment)

import joblib
import mlflow
import mlflow.sklearn
from mlflow import MlflowClient


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", required=True, help="the commit SHA ($MLGEN_VERSION)")
    parser.add_argument("--image", required=True, help="the image that serves this model ($MLGEN_IMAGE)")
    parser.add_argument("--model", default="model/")
    parser.add_argument("--metrics", default="metrics.json")
    args = parser.parse_args()

    model = joblib.load(Path(args.model) / "model.joblib")
    metrics = json.loads(Path(args.metrics).read_text())
    mlflow.set_experiment(registry.NAME)
    with mlflow.start_run(run_name=f"fraud-{args.version[:8]}"):
        mlflow.log_metrics(metrics)
        mlflow.log_params(model.get_params())
        mlflow.set_tags({"commit": args.version, "image": args.image})
        # cloudpickle, not skops: the scoring service loads the same estimator with joblib.
        logged = mlflow.sklearn.log_model(model, name="model", serialization_format="cloudpickle",
                                          registered_model_name=registry.NAME)
    client = MlflowClient()
    version = client.get_model_version(registry.NAME, str(logged.registered_model_version))
    client.set_model_version_tag(registry.NAME, version.version, "commit", args.version)
    client.set_model_version_tag(registry.NAME, version.version, "image", args.image)
    print(f"registered {registry.NAME} v{version.version} (commit {args.version[:8]}, image {args.image}) in {registry.TRACKING_URI}")


if __name__ == "__main__":
    main()
