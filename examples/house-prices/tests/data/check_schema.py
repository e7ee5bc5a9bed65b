"""Data test: data/houses.csv has exactly the expected columns, each value of its type.

    python3 tests/data/check_schema.py [path]     (exit 1 naming each problem)
"""
import csv
import sys

SCHEMA = {"sqft": int, "bedrooms": int, "age": int, "distance_km": float, "price": int}
MIN_ROWS = 100


def problems_in(path):
    problems = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if header != list(SCHEMA):
            return ["{0}: the columns are {1}, expected {2}".format(path, header, list(SCHEMA))]
        count = 0
        for line, row in enumerate(reader, start=2):
            count += 1
            if len(row) != len(header):
                problems.append("{0}:{1}: {2} values, expected {3}".format(path, line, len(row), len(header)))
                continue
            for (name, kind), text in zip(SCHEMA.items(), row):
                try:
                    kind(text)
                except ValueError:
                    problems.append("{0}:{1}: {2} is {3!r}, not {4}".format(path, line, name, text, kind.__name__))
    if count < MIN_ROWS:
        problems.append("{0}: {1} rows, expected at least {2}".format(path, count, MIN_ROWS))
    return problems


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else "data/houses.csv"
    found = problems_in(path)
    for problem in found:
        print(problem)
    print("schema: {0}".format("{0} problem(s)".format(len(found)) if found else "ok"))
    sys.exit(1 if found else 0)
