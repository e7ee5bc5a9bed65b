"""Points a registry alias (staging or production) at the version registered for a commit.

    python scripts/promote.py --alias production --commit "$MLGEN_VERSION"
"""
import argparse

import registry  # noqa: I001  (first: it configures MLflow's environment)

from mlflow import MlflowClient


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alias", choices=[registry.STAGING, registry.PRODUCTION], required=True)
    parser.add_argument("--commit", required=True, help="the commit SHA ($MLGEN_VERSION)")
    args = parser.parse_args()
    client = MlflowClient()
    matches = client.search_model_versions(f"name='{registry.NAME}' and tags.commit='{args.commit}'")
    if not matches:
        raise SystemExit(f"no registered {registry.NAME} version for commit {args.commit}: did the package step run?")
    version = max(matches, key=lambda v: int(v.version))
    client.set_registered_model_alias(registry.NAME, args.alias, version.version)
    print(f"{registry.NAME} v{version.version} ({args.commit[:8]}) is now @{args.alias}")


if __name__ == "__main__":
    main()
