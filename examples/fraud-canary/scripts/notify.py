"""Pages the risk-ML channel when a pipeline fails."""
import argparse
import json
import os
import urllib.request


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--status", default="failed")
    args = parser.parse_args()
    text = f"fraud-canary {os.environ.get('MLGEN_PIPELINE', 'ci')} {args.status} at {os.environ.get('MLGEN_VERSION', '?')[:8]}"
    body = json.dumps({"text": text}).encode()
    request = urllib.request.Request("https://chat.example.com/hooks/risk-ml", data=body, headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10)


if __name__ == "__main__":
    main()
