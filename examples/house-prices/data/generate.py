"""Writes data/houses.csv: 200 synthetic house sales, the same bytes on every run.

The prices follow a known linear rule plus noise, so the example's metrics are predictable:
    price = 100000 + 120 * sqft + 8000 * bedrooms - 900 * age - 1500 * distance_km + noise
Run it from the project root: python3 data/generate.py
"""
import csv
import random
from pathlib import Path

ROWS = 200
SEED = 20240601
OUT = Path(__file__).resolve().parent / "houses.csv"


def generate_rows(count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        sqft = rng.randint(600, 3500)
        bedrooms = max(1, min(6, round(sqft / 600 + rng.uniform(-1, 1))))
        age = rng.randint(0, 80)
        distance_km = round(rng.uniform(0.5, 40.0), 1)
        noise = rng.gauss(0, 15000)
        price = 100000 + 120 * sqft + 8000 * bedrooms - 900 * age - 1500 * distance_km + noise
        yield {"sqft": sqft, "bedrooms": bedrooms, "age": age, "distance_km": distance_km, "price": max(10000, round(price))}


def main():
    with open(OUT, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["sqft", "bedrooms", "age", "distance_km", "price"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(generate_rows(ROWS, SEED))
    print("wrote {0} rows to {1}".format(ROWS, OUT))


if __name__ == "__main__":
    main()
