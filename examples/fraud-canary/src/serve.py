"""The scoring API the container serves: POST /score with one transaction's features."""
import pandas as pd
import xgboost as xgb
from fastapi import FastAPI
from pydantic import BaseModel

from src.features import FEATURES

app = FastAPI(title="fraud-canary")
booster = xgb.Booster(model_file="model/model.ubj")
booster.set_param({"device": "cpu"})


class Transaction(BaseModel):
    amount: float
    amount_vs_card_median: float
    tx_last_1h: int
    tx_last_24h: int
    new_merchant: int
    merchant_fraud_rate: float
    card_present: int
    foreign: int


@app.get("/healthz")
def health() -> dict:
    return {"ok": True}


@app.post("/score")
def score(tx: Transaction) -> dict:
    frame = pd.DataFrame([tx.model_dump()])[FEATURES]
    return {"fraud_probability": float(booster.inplace_predict(frame)[0])}
