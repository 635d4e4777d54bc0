#!/usr/bin/env bash
# Creates or reuses the Python venv the CI scripts share: kubernetes-validate (the manifest
# validator) and PyYAML (the scripts' YAML reader).
#
# Usage: .ci/venv.sh            (prints the venv's python on stdout; progress on stderr)
#
# Environment:
#   VENV  the venv to create or reuse (default target/ci-venv)
set -euo pipefail

VENV="${VENV:-target/ci-venv}"

if [ ! -x "$VENV/bin/kubernetes-validate" ] || ! "$VENV/bin/python" -c 'import yaml' 2>/dev/null; then
    echo "venv: installing kubernetes-validate and PyYAML into $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check kubernetes-validate PyYAML >&2
fi
echo "$VENV/bin/python"
