from pathlib import Path

import pandas as pd
import yaml


def test_no_chargeback_from_the_evaluation_window_reaches_training():
    """Training's labels must be final before the evaluation window starts (params.yaml's gap)."""
    params = yaml.safe_load(Path("params.yaml").read_text())
    tx = pd.read_csv("data/transactions.csv", usecols=["ts", "chargeback_ts"], parse_dates=["ts", "chargeback_ts"])
    eval_start = tx["ts"].max() - pd.Timedelta(days=params["eval_window_days"])
    train_end = eval_start - pd.Timedelta(days=params["gap_days"])
    training = tx[tx["ts"] < train_end]
    assert (training["chargeback_ts"].dropna() < eval_start).all()
