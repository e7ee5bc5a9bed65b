"""Trains the house-price model and writes the model and its metrics.

    python3 src/train.py --data data/houses.csv --out model/ --metrics metrics.json

metrics.json is what mlgen's gate reads (evaluate.metrics in mlgen.yaml): a flat JSON
object of numbers, measured on rows the model never saw.
"""
import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import houses  # noqa: E402  (after the path setup above)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/houses.csv")
    parser.add_argument("--out", default="model/")
    parser.add_argument("--metrics", default="metrics.json")
    args = parser.parse_args(argv)

    rows = houses.load_rows(args.data)
    train, test = houses.split_rows(rows)
    model = houses.fit(train)
    actual = [row[houses.TARGET] for row in test]
    predicted = [houses.predict(model, row) for row in test]
    metrics = {
        "mae": round(houses.mean_absolute_error(actual, predicted), 2),
        "r2": round(houses.r_squared(actual, predicted), 4),
        "rows": len(rows),
    }

    os.makedirs(args.out, exist_ok=True)
    model_path = os.path.join(args.out, "model.json")
    with open(model_path, "w", encoding="utf-8") as handle:
        json.dump({
            "features": houses.FEATURES,
            "intercept": model["intercept"],
            "coefficients": model["coefficients"],
            "mode": os.environ.get("MLGEN_TRAIN_MODE", "full"),
            "version": os.environ.get("MLGEN_VERSION", "local"),
        }, handle, indent=2, sort_keys=True)
        handle.write("\n")
    with open(args.metrics, "w", encoding="utf-8") as handle:
        json.dump(metrics, handle, indent=2, sort_keys=True)
        handle.write("\n")
    print("trained on {0} rows, evaluated on {1}: mae={2} r2={3}".format(len(train), len(test), metrics["mae"], metrics["r2"]))
    print("wrote {0} and {1}".format(model_path, args.metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main())
