#!/usr/bin/env bash
# Chart conformance: every example, rendered for the helm and k3s targets, goes through the real
# Helm (v4.1.4) and the real Harbor chart (1.19.1); the chart's own output is checked against the
# example's parameters and validated with kubernetes-validate (Kubernetes 1.34 and 1.37), and
# the secrets the chart still fills in itself fail the run (a well-known default, or a value two
# `helm template` runs disagree on); a re-render that reuses the first render's Secrets must give
# the same Secrets and checksum annotations. Details: .ci/chart_conformance.py.
#
# Usage: .ci/chart-conformance.sh [--report-leftovers-only] [EXAMPLE_NAME...]
#
# Environment:
#   HARBOR_CHART              the chart, a .tgz or a folder (default
#                             ../shared/reference/harbor-1.19.1.tgz beside the repository)
#   CI                        `true`: a missing chart fails the run instead of ending it with 2
#   FAIL_ON_LEFTOVERS         `0`: same as --report-leftovers-only
#   VENV                      Python venv (default target/ci-venv; see .ci/venv.sh)
#   CARGO_TARGET_DIR          where cargo builds the release binary (default target)
# Exit: 0 all passed, 1 a check failed (or, under CI, no chart), 2 usage or no chart.
set -euo pipefail
# HARBOR_CHART is taken relative to where the script was started; the default, to the repository.
if [ -n "${HARBOR_CHART:-}" ]; then
    HARBOR_CHART=$(realpath -m -- "$HARBOR_CHART")
fi
cd "$(dirname "$0")/.."

chart="${HARBOR_CHART:-../shared/reference/harbor-1.19.1.tgz}"
if [ ! -e "$chart" ]; then
    if [ "${CI:-}" = true ]; then
        echo "chart-conformance: FAIL: no Harbor chart at $chart (set HARBOR_CHART to the chart's .tgz or folder)" >&2
        exit 1
    fi
    cat >&2 <<EOF
chart-conformance: no Harbor chart at $chart. Get it with
    helm pull harbor --repo https://helm.goharbor.io --version 1.19.1
and run again with HARBOR_CHART=/path/to/harbor-1.19.1.tgz.
EOF
    exit 2
fi

args=()
if [ "${FAIL_ON_LEFTOVERS:-1}" = 0 ]; then
    args+=(--report-leftovers-only)
fi

export VENV="${VENV:-target/ci-venv}"
python=$(bash .ci/venv.sh)
helm=$(bash .ci/install-helm.sh)
# Helm keeps its own configuration and caches here, not in the user's home.
export HELM_CONFIG_HOME="$PWD/target/ci-tools/helm-home/config"
export HELM_CACHE_HOME="$PWD/target/ci-tools/helm-home/cache"
export HELM_DATA_HOME="$PWD/target/ci-tools/helm-home/data"

cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/harbor-edge"

exec "$python" .ci/chart_conformance.py --bin "$bin" --helm "$helm" --chart "$chart" \
    --out target/ci-rendered "${args[@]}" "$@"
