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

import joblib

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
    metrics = {**houses.evaluate(model, test), "rows": len(rows)}

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, out / "model.joblib")
    # A readable card beside the pickle: the fitted rule and where the model came from.
    card = {
        "features": houses.FEATURES,
        **houses.coefficients(model),
        "mode": os.environ.get("MLGEN_TRAIN_MODE", "full"),
        "version": os.environ.get("MLGEN_VERSION", "local"),
    }
    (out / "model.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    Path(args.metrics).write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print("trained on {0} rows, evaluated on {1}: mae={2} r2={3}".format(len(train), len(test), metrics["mae"], metrics["r2"]))
    print("wrote {0} and {1}".format(out / "model.joblib", args.metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main())
