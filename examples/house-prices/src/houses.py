"""House-price regression with pandas and scikit-learn: standardized features, ridge regression.

The prices in data/houses.csv follow a linear rule plus noise (see data/generate.py), so a
linear model is the right one; standardizing first keeps square feet and bedroom counts on
one scale, and the small ridge penalty keeps the fit stable when features correlate.
"""
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

FEATURES = ["sqft", "bedrooms", "age", "distance_km"]
TARGET = "price"
COLUMNS = FEATURES + [TARGET]


def load_rows(path) -> pd.DataFrame:
    """The CSV as a DataFrame of floats, in file order, with exactly the model's columns."""
    return pd.read_csv(path, usecols=COLUMNS)[COLUMNS].astype(float)


def split_rows(frame: pd.DataFrame, every: int = 5):
    """A deterministic split: every fifth row is held out for evaluation."""
    held_out = (pd.RangeIndex(len(frame)) % every) == every - 1
    return frame[~held_out], frame[held_out]


def fit(frame: pd.DataFrame) -> Pipeline:
    model = make_pipeline(StandardScaler(), Ridge(alpha=1e-3))
    return model.fit(frame[FEATURES], frame[TARGET])


def coefficients(model: Pipeline) -> dict:
    """The fitted rule in raw units (dollars per square foot, ...), comparable with generate.py's."""
    scaler, ridge = model.named_steps["standardscaler"], model.named_steps["ridge"]
    raw = ridge.coef_ / scaler.scale_
    return {
        "intercept": float(ridge.intercept_ - (raw * scaler.mean_).sum()),
        "coefficients": {name: float(value) for name, value in zip(FEATURES, raw)},
    }


def evaluate(model: Pipeline, frame: pd.DataFrame) -> dict:
    predicted = model.predict(frame[FEATURES])
    return {
        "mae": round(float(mean_absolute_error(frame[TARGET], predicted)), 2),
        "r2": round(float(r2_score(frame[TARGET], predicted)), 4),
    }
