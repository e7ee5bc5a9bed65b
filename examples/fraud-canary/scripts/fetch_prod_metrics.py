"""Writes the production model's metrics, as the registry recorded them, for mlgen's baseline gate.

    python scripts/fetch_prod_metrics.py --out baseline.json

Before the first release there is no production model: the file is then `{}`, which the gate
reads as "no baseline for any metric", so the fixed bounds alone decide.
"""
import argparse
import json
from pathlib import Path

import registry  # noqa: I001  (first: it configures MLflow's environment)

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

# Quality only: p95_latency_ms keeps its absolute budget (a max gate), since timing on shared CI
# machines varies more between runs than any useful relative tolerance.
BASELINED = ["pr_auc", "recall_at_1pct_fpr"]


def production_metrics(client: MlflowClient):
    """The production version and its run's metrics, or (None, {}) when nothing is released."""
    try:
        version = client.get_model_version_by_alias(registry.NAME, registry.PRODUCTION)
    except MlflowException as error:
        if error.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None, {}
        raise
    metrics = client.get_run(version.run_id).data.metrics
    return version, {name: metrics[name] for name in BASELINED if name in metrics}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="baseline.json")
    args = parser.parse_args()
    version, metrics = production_metrics(MlflowClient())
    Path(args.out).write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    if version is None:
        print(f"baseline: no {registry.NAME}@{registry.PRODUCTION} in {registry.TRACKING_URI} yet: "
              f"wrote {{}} to {args.out}, so only the fixed gates apply")
    else:
        print(f"baseline: {registry.NAME} v{version.version}@{registry.PRODUCTION} -> {args.out}: {json.dumps(metrics, sort_keys=True)}")


if __name__ == "__main__":
    main()
