#!/usr/bin/env bash
# Creates or reuses the Python venv the CI scripts share: kubernetes-validate (the manifest
# validator), PyYAML (the scripts' YAML reader) and bcrypt (an htpasswd check harbor-edge did
# not write).
#
# Usage: .ci/venv.sh            (prints the venv's python on stdout; progress on stderr)
#
# Environment:
#   VENV  the venv to create or reuse (default target/ci-venv)
set -euo pipefail

VENV="${VENV:-target/ci-venv}"

if [ ! -x "$VENV/bin/kubernetes-validate" ] || ! "$VENV/bin/python" -c 'import yaml, bcrypt' 2>/dev/null; then
    echo "venv: installing kubernetes-validate, PyYAML and bcrypt into $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check kubernetes-validate PyYAML bcrypt >&2
fi
echo "$VENV/bin/python"
