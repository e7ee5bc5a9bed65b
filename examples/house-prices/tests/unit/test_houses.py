"""Unit tests for src/houses.py: python3 -m unittest discover -s tests/unit"""
import sys
import unittest
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

import houses  # noqa: E402


def frame(rows):
    return pd.DataFrame(rows, columns=houses.COLUMNS).astype(float)


class FitTest(unittest.TestCase):
    def test_recovers_an_exact_linear_rule_in_raw_units(self):
        rule = {"sqft": 100.0, "bedrooms": 5000.0, "age": -300.0, "distance_km": -20.0}
        rows = []
        for i in range(40):
            x = {"sqft": 600 + 37 * i, "bedrooms": 1 + i % 5, "age": (i * 7) % 60, "distance_km": (i * 13) % 29 + 0.5}
            rows.append({**x, "price": 1000.0 + sum(rule[f] * x[f] for f in houses.FEATURES)})
        fitted = houses.coefficients(houses.fit(frame(rows)))
        self.assertAlmostEqual(fitted["intercept"], 1000.0, delta=5.0)
        for name, expected in rule.items():
            self.assertAlmostEqual(fitted["coefficients"][name], expected, delta=abs(expected) * 0.01)

    def test_a_perfect_fit_scores_zero_error_and_r2_of_one(self):
        rows = [{"sqft": s, "bedrooms": s % 4 + 1, "age": s % 50, "distance_km": s % 17, "price": 2.0 * s} for s in range(500, 900, 10)]
        model = houses.fit(frame(rows))
        metrics = houses.evaluate(model, frame(rows))
        self.assertLess(metrics["mae"], 1.0)
        self.assertEqual(metrics["r2"], 1.0)


class SplitTest(unittest.TestCase):
    def test_holds_out_every_fifth_row(self):
        rows = frame([{"sqft": i, "bedrooms": 1, "age": 0, "distance_km": 0, "price": i} for i in range(10)])
        train, test = houses.split_rows(rows)
        self.assertEqual(test["sqft"].tolist(), [4.0, 9.0])
        self.assertEqual(len(train), 8)


if __name__ == "__main__":
    unittest.main()
