"""House-price regression with Python's standard library only: ordinary least squares.

The model is linear: price = intercept + sum(coefficient * feature). It is fitted with the
normal equations on standardized features (better conditioned than raw square feet next to
bedroom counts), solved by Gaussian elimination, then converted back to raw units so that
model.json reads like the formula in data/generate.py.
"""
import csv

FEATURES = ["sqft", "bedrooms", "age", "distance_km"]
TARGET = "price"
COLUMNS = FEATURES + [TARGET]


def load_rows(path):
    """The CSV as a list of dicts of floats, in file order."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [{name: float(row[name]) for name in COLUMNS} for row in csv.DictReader(handle)]


def split_rows(rows, every=5):
    """A deterministic split: every fifth row is held out for evaluation."""
    train = [row for i, row in enumerate(rows) if i % every != every - 1]
    test = [row for i, row in enumerate(rows) if i % every == every - 1]
    return train, test


def solve(matrix, vector):
    """Solves matrix * x = vector by Gaussian elimination with partial pivoting."""
    size = len(vector)
    augmented = [list(matrix[i]) + [vector[i]] for i in range(size)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(augmented[r][col]))
        if abs(augmented[pivot][col]) < 1e-12:
            raise ValueError("the features are linearly dependent: least squares has no unique solution")
        augmented[col], augmented[pivot] = augmented[pivot], augmented[col]
        for row in range(col + 1, size):
            factor = augmented[row][col] / augmented[col][col]
            for k in range(col, size + 1):
                augmented[row][k] -= factor * augmented[col][k]
    solution = [0.0] * size
    for row in reversed(range(size)):
        known = sum(augmented[row][k] * solution[k] for k in range(row + 1, size))
        solution[row] = (augmented[row][size] - known) / augmented[row][row]
    return solution


def fit(rows):
    """Least-squares coefficients in raw units: {"intercept": ..., "coefficients": {feature: ...}}."""
    count = len(rows)
    means = {f: sum(r[f] for r in rows) / count for f in FEATURES}
    scales = {f: (sum((r[f] - means[f]) ** 2 for r in rows) / count) ** 0.5 or 1.0 for f in FEATURES}
    design = [[1.0] + [(r[f] - means[f]) / scales[f] for f in FEATURES] for r in rows]
    targets = [r[TARGET] for r in rows]
    width = len(FEATURES) + 1
    gram = [[sum(x[i] * x[j] for x in design) for j in range(width)] for i in range(width)]
    moment = [sum(x[i] * y for x, y in zip(design, targets)) for i in range(width)]
    scaled = solve(gram, moment)
    coefficients = {f: scaled[i + 1] / scales[f] for i, f in enumerate(FEATURES)}
    intercept = scaled[0] - sum(coefficients[f] * means[f] for f in FEATURES)
    return {"intercept": intercept, "coefficients": coefficients}


def predict(model, row):
    return model["intercept"] + sum(model["coefficients"][f] * row[f] for f in FEATURES)


def mean_absolute_error(actual, predicted):
    return sum(abs(a - p) for a, p in zip(actual, predicted)) / len(actual)


def r_squared(actual, predicted):
    mean = sum(actual) / len(actual)
    total = sum((a - mean) ** 2 for a in actual)
    residual = sum((a - p) ** 2 for a, p in zip(actual, predicted))
    return 1.0 - residual / total
