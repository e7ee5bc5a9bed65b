#!/bin/sh
# Fills the local DVC remote named in .dvc/config, so that `dvc pull` in a fresh clone (the
# pipeline's data.pull) really pulls. Run it once on a machine, from a checkout with the
# project installed:  ./scripts/setup-dvc-remote.sh
#
# The data is synthetic (data/generate.py writes the same bytes on every run), so this
# regenerates it, checks it is the version data/transactions.csv.dvc and dvc.lock name,
# rebuilds the features stage and pushes both. A team's remote is S3 or the like and
# already full; this script stands in for the export that filled it.
set -eu
cd "$(dirname "$0")/.."

python data/generate.py
tracked=$(sed -n 's/^- md5: //p' data/transactions.csv.dvc)
actual=$(md5sum data/transactions.csv | cut -d' ' -f1)
if [ "$tracked" != "$actual" ]; then
  echo "data/transactions.csv has md5 $actual, but data/transactions.csv.dvc names $tracked:" >&2
  echo "data/generate.py changed; run \`dvc add data/transactions.csv\` and commit the .dvc file" >&2
  exit 1
fi
dvc commit --force --quiet data/transactions.csv.dvc   # into the cache, so push finds it

lock_before=$(md5sum dvc.lock)
dvc repro --quiet features
if [ "$(md5sum dvc.lock)" != "$lock_before" ]; then
  echo "dvc repro changed dvc.lock: the features stage's code or output changed; commit dvc.lock" >&2
  exit 1
fi

remote=$(dvc remote list | awk '$1 == "storage" { print $2 }')
case "$remote" in
  /*) mkdir -p "$remote" ;;   # a local remote: DVC pushes into an existing directory
esac
dvc push --quiet
echo "pushed data/transactions.csv and data/features.csv to $remote"
