"""Unit tests for src/houses.py: python3 -m unittest discover -s tests/unit"""
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

import houses  # noqa: E402


def row(sqft, bedrooms, age, distance_km, price=0.0):
    return {"sqft": sqft, "bedrooms": bedrooms, "age": age, "distance_km": distance_km, "price": price}


class FitTest(unittest.TestCase):
    def test_recovers_an_exact_linear_rule(self):
        rule = {"intercept": 1000.0, "coefficients": {"sqft": 100.0, "bedrooms": 5000.0, "age": -300.0, "distance_km": -20.0}}
        rows = [row(600 + 37 * i, 1 + i % 5, (i * 7) % 60, (i * 13) % 29 + 0.5) for i in range(40)]
        for r in rows:
            r["price"] = houses.predict(rule, r)
        model = houses.fit(rows)
        self.assertAlmostEqual(model["intercept"], 1000.0, places=4)
        for name, expected in rule["coefficients"].items():
            self.assertAlmostEqual(model["coefficients"][name], expected, places=6)

    def test_rejects_linearly_dependent_features(self):
        rows = [row(100 * i, 2 * i, 3 * i, 4 * i, i) for i in range(1, 10)]
        with self.assertRaises(ValueError):
            houses.fit(rows)


class MetricsTest(unittest.TestCase):
    def test_mean_absolute_error(self):
        self.assertEqual(houses.mean_absolute_error([1, 2, 3], [2, 2, 5]), 1.0)

    def test_r_squared_is_one_for_a_perfect_fit_and_zero_for_the_mean(self):
        self.assertEqual(houses.r_squared([1, 2, 3], [1, 2, 3]), 1.0)
        self.assertEqual(houses.r_squared([1, 2, 3], [2, 2, 2]), 0.0)

    def test_split_holds_out_every_fifth_row(self):
        train, test = houses.split_rows(list(range(10)))
        self.assertEqual(test, [4, 9])
        self.assertEqual(len(train), 8)


if __name__ == "__main__":
    unittest.main()
