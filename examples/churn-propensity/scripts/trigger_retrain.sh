#!/bin/sh
# Fires an mlgen external event: ./scripts/trigger_retrain.sh drift-detected
#
# This team runs GitLab, where mlgen's pipeline starts a retrain for a pipeline trigger that
# carries these three variables. GITLAB_TRIGGER_TOKEN is a project trigger token, kept in the
# data platform's secret store. (Each target documents its own trigger in its generated file.)
set -eu
event="$1"
curl --fail --silent --show-error --request POST \
  --form "token=${GITLAB_TRIGGER_TOKEN}" \
  --form "ref=main" \
  --form "variables[MLGEN_PIPELINE]=retrain" \
  --form "variables[MLGEN_TRAIN_MODE]=drift" \
  --form "variables[MLGEN_EVENT]=${event}" \
  "https://gitlab.example.com/api/v4/projects/analytics%2Fchurn-propensity/trigger/pipeline"
