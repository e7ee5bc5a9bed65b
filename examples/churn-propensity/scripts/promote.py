"""Moves the registry version built from a commit to a stage (Staging or Production)."""
import argparse

from mlflow import MlflowClient

NAME = "churn-propensity"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stage", choices=["staging", "production"], required=True)
    parser.add_argument("--version", required=True, help="the commit SHA ($MLGEN_VERSION)")
    args = parser.parse_args()
    client = MlflowClient("https://mlflow.example.com")
    matches = client.search_model_versions(f"name='{NAME}' and tags.commit='{args.version}'")
    if not matches:
        raise SystemExit(f"no registered {NAME} version for commit {args.version}: did the package step run?")
    version = max(matches, key=lambda v: int(v.version))
    client.transition_model_version_stage(NAME, version.version, args.stage.capitalize(), archive_existing_versions=True)
    print(f"{NAME} v{version.version} ({args.version[:8]}) -> {args.stage}")


if __name__ == "__main__":
    main()
