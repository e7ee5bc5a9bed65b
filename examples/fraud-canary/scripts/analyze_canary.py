"""Canary analysis: does the new model treat live traffic like the stable one?

    python scripts/analyze_canary.py --weight "$MLGEN_CANARY_PERCENT" --window 20m

It replays a sample of payments (`--requests`, drawn fresh by data/generate.py's generator and
built into features by src/features.py, as live traffic would be) to the canary and to the
stable scorer, and exits 1, so mlgen runs the rollback, when the canary declines noticeably
more payments (`--max-decline-ratio`) or misses the latency budget (`--p95-ms`).

The scorers are $CANARY_URL and $STABLE_URL when set (the rollout's two services). Without
them it serves the canary from model/ and the stable model from the registry's @production
version on loopback ports; before the first release there is no stable model, and the canary
is held to `--max-decline-rate` alone.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "src"), str(ROOT / "data")]

import registry  # noqa: E402,I001  (first of the project's modules: it configures MLflow)
import joblib  # noqa: E402
import mlflow.sklearn  # noqa: E402
import pandas as pd  # noqa: E402
import requests  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

import generate  # noqa: E402  (data/generate.py: the payment generator)
from features import FEATURES, build  # noqa: E402
from local_scorer import local_scorer  # noqa: E402

DECLINE_ABOVE = 0.5   # the payment path declines a payment whose fraud probability is above this


def replay_sample(count: int, seed: int) -> list:
    """`count` payments as the scorer receives them: one dict of features each."""
    raw = pd.DataFrame(list(generate.generate_rows(count, seed)), columns=generate.COLUMNS)
    return build(raw)[FEATURES].to_dict(orient="records")


def replay(url: str, sample: list) -> dict:
    session = requests.Session()
    scores, timings = [], []
    for transaction in sample:
        start = time.perf_counter()
        response = session.post(f"{url}/score", json=transaction, timeout=10)
        timings.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        scores.append(response.json()["fraud_probability"])
    return {"decline_rate": sum(s > DECLINE_ABOVE for s in scores) / len(scores),
            "p95_ms": statistics.quantiles(timings, n=20)[-1]}


def stable_model_dir(stack: ExitStack):
    """A directory with the @production model as model.joblib, or None before the first release."""
    try:
        version = MlflowClient().get_model_version_by_alias(registry.NAME, registry.PRODUCTION)
    except MlflowException as error:
        if error.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None
        raise
    model = mlflow.sklearn.load_model(f"models:/{registry.NAME}@{registry.PRODUCTION}")
    directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="stable-model-"))
    joblib.dump(model, Path(directory) / "model.joblib")
    print(f"stable: {registry.NAME} v{version.version}@{registry.PRODUCTION} from {registry.TRACKING_URI}")
    return directory


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weight", type=int, required=True, help="the canary's share of traffic, in percent")
    parser.add_argument("--window", default="20m", help="the soak window the sample stands for")
    parser.add_argument("--model", default="model/", help="the canary's model when $CANARY_URL is unset")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--max-decline-ratio", type=float, default=1.05, help="canary's decline rate / stable's")
    parser.add_argument("--max-decline-rate", type=float, default=0.08, help="without a stable model")
    parser.add_argument("--p95-ms", type=float, default=250, help="the canary's end-to-end latency budget")
    args = parser.parse_args()

    sample = replay_sample(args.requests, seed=args.weight)
    with ExitStack() as stack:
        canary_url = os.environ.get("CANARY_URL") or stack.enter_context(local_scorer(args.model))
        stable_url = os.environ.get("STABLE_URL")
        if not stable_url:
            directory = stable_model_dir(stack)
            stable_url = stack.enter_context(local_scorer(directory)) if directory else None
        canary = replay(canary_url, sample)
        stable = replay(stable_url, sample) if stable_url else None

    checks = []
    if stable is None:
        print(f"no {registry.NAME}@{registry.PRODUCTION} yet: holding the canary to a decline rate of at most {args.max_decline_rate}")
        checks.append(("decline rate", canary["decline_rate"] <= args.max_decline_rate,
                       f"canary {canary['decline_rate']:.4f}, allowed {args.max_decline_rate}"))
    else:
        # Plus one payment of the sample: a single extra decline in a few hundred is noise.
        allowed = stable["decline_rate"] * args.max_decline_ratio + 1 / len(sample)
        checks.append(("decline rate", canary["decline_rate"] <= allowed,
                       f"canary {canary['decline_rate']:.4f}, stable {stable['decline_rate']:.4f}, allowed x{args.max_decline_ratio} = {allowed:.4f}"))
    checks.append(("p95 latency", canary["p95_ms"] <= args.p95_ms, f"canary {canary['p95_ms']:.1f} ms, budget {args.p95_ms} ms"))
    for name, ok, detail in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {name} at {args.weight}% over {len(sample)} replayed payments ({args.window} window): {detail}")
    failed = not all(ok for _, ok, _ in checks)
    print("canary analysis: " + ("failed: roll back" if failed else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
