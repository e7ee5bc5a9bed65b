"""Data test: every value of data/houses.csv lies in a plausible range (no negative prices).

    python3 tests/data/check_ranges.py [path]     (exit 1 naming each problem)
"""
import csv
import sys

RANGES = {
    "sqft": (200, 20000),
    "bedrooms": (0, 20),
    "age": (0, 300),
    "distance_km": (0, 500),
    "price": (1, 50000000),
}


def problems_in(path):
    problems = []
    with open(path, newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            for name, (low, high) in RANGES.items():
                try:
                    value = float(row[name])
                except (TypeError, ValueError):
                    continue  # not a number: check_schema.py reports it
                if not low <= value <= high:
                    problems.append("{0}:{1}: {2} = {3} lies outside {4}..{5}".format(path, line, name, row[name], low, high))
    return problems


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else "data/houses.csv"
    found = problems_in(path)
    for problem in found:
        print(problem)
    print("ranges: {0}".format("{0} problem(s)".format(len(found)) if found else "ok"))
    sys.exit(1 if found else 0)
