"""The scoring service the container runs: POST /score with one transaction's features.

    python src/serve.py --model model/ --host 0.0.0.0 --port 8080

GET /healthz answers {"ok": true, ...} once the model is loaded; POST /score takes a JSON
object with every name in features.FEATURES and answers {"fraud_probability": p}. Standard
library HTTP with one scoring thread per request: the payment path sends single transactions.
"""
import argparse
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# One OpenMP thread per request thread, set before numpy and scikit-learn load: a single row
# costs less than starting a thread team, and request threads must not oversubscribe the cores.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import joblib  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from features import FEATURES  # noqa: E402  (after the path setup above)


def handler_for(model, model_dir: str):
    class ScoringHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"   # keep-alive: callers reuse one connection per worker

        def reply(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
            if self.path == "/healthz":
                self.reply(200, {"ok": True, "model": model_dir, "features": FEATURES})
            else:
                self.reply(404, {"error": f"no route {self.path}"})

        def do_POST(self) -> None:  # noqa: N802
            if self.path != "/score":
                return self.reply(404, {"error": f"no route {self.path}"})
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                row = np.array([[float(body[name]) for name in FEATURES]])
            except (ValueError, KeyError, TypeError) as error:
                return self.reply(400, {"error": f"a JSON object with numbers for {FEATURES} expected: {error!r}"})
            probability = float(model.predict_proba(row)[0, 1])
            self.reply(200, {"fraud_probability": probability})

        def log_message(self, format, *args) -> None:  # noqa: A002  (one line per request is noise in CI logs)
            pass

    return ScoringHandler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="model/", help="a directory with model.joblib")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    args = parser.parse_args()
    model = joblib.load(Path(args.model) / "model.joblib")
    server = ThreadingHTTPServer((args.host, args.port), handler_for(model, args.model))
    # The first line says where it listens, so a caller that asked for port 0 can find it.
    print(f"serving {args.model} on http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
