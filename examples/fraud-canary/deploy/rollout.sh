#!/bin/sh
# Deploys the scoring image with the Kubernetes cluster's Argo Rollouts:
#   rollout.sh staging|production IMAGE
#   rollout.sh canary IMAGE --weight PERCENT
#   rollout.sh rollback
# KUBE_TOKEN (a CI secret) authenticates kubectl; mlgen sets MLGEN_ENVIRONMENT.
set -eu
kube() { kubectl --server https://k8s.example.com --token "$KUBE_TOKEN" "$@"; }
case "$1" in
  staging)    kube -n fraud-staging argo rollouts set image scorer "scorer=$2" && kube -n fraud-staging argo rollouts promote --full scorer ;;
  canary)     kube -n fraud argo rollouts set image scorer "scorer=$2" && kube -n fraud argo rollouts set weight scorer "$4" ;;
  production) kube -n fraud argo rollouts promote --full scorer ;;
  rollback)   kube -n fraud argo rollouts abort scorer && kube -n fraud argo rollouts undo scorer ;;
  *) echo "usage: rollout.sh staging|canary|production|rollback ..." >&2; exit 2 ;;
esac
