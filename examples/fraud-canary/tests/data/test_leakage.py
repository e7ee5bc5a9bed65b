from pathlib import Path

import pandas as pd
import yaml


def test_no_card_label_from_the_evaluation_window_reaches_training():
    params = yaml.safe_load(Path("params.yaml").read_text())
    tx = pd.read_parquet("data/transactions.parquet", columns=["ts", "chargeback_ts"])
    eval_start = tx["ts"].max() - pd.Timedelta(days=params["eval_window_days"])
    train_end = eval_start - pd.Timedelta(days=params["gap_days"])
    training = tx[tx["ts"] < train_end]
    assert (training["chargeback_ts"].dropna() < eval_start).mean() > 0.99
