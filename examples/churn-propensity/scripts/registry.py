"""Where the MLflow tracking server and model registry are: imported before mlflow by every
script that talks to the registry, because MLflow reads these variables when it starts.

MLFLOW_TRACKING_URI names the server (the team's is https://mlflow.example.com, with the token
in MLFLOW_TRACKING_TOKEN); without it the registry is the file store ./mlruns. MLflow 3 keeps
the file store only on request (MLFLOW_ALLOW_FILE_STORE), and mlflow-skinny, which this
project installs to stay light, has no SQL store, so a local registry is a file store.
"""
import os

NAME = "churn-propensity"
PRODUCTION = "production"   # registry aliases, moved by scripts/promote.py
STAGING = "staging"

TRACKING_URI = os.environ.setdefault("MLFLOW_TRACKING_URI", "file:./mlruns")
if TRACKING_URI.startswith("file:"):
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
# CI runs should not report usage to MLflow's telemetry service.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
