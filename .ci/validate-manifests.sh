#!/usr/bin/env bash
# Validates rendered manifests with kubernetes-validate --strict, once per Kubernetes version.
#
# Usage: .ci/validate-manifests.sh DIR_OR_FILE...
#
# Every *.yaml / *.yml file under the arguments whose documents are all Kubernetes objects
# (apiVersion and kind) is validated; other files (Helm values) are listed as skipped. Custom
# resources without a schema (the k3s HelmChart) are reported by kubernetes-validate as a WARN
# line and do not fail the run.
#
# Environment:
#   VENV          Python venv to create or reuse (default target/ci-venv; see .ci/venv.sh)
#   K8S_VERSIONS  Kubernetes versions to validate against (default "1.34 1.37")
# Exit: 0 all valid, 1 a manifest is invalid, 2 usage, setup or missing schemas.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 DIR_OR_FILE..." >&2
    exit 2
fi

VENV="${VENV:-target/ci-venv}"
K8S_VERSIONS="${K8S_VERSIONS:-1.34 1.37}"

VENV="$VENV" bash "$(dirname "$0")/venv.sh" >/dev/null
echo "validate-manifests: $("$VENV/bin/kubernetes-validate" --version 2>&1 | tail -n 1)"

# Every requested version must have strict schemas in the installed package.
# shellcheck disable=SC2086
"$VENV/bin/python" - $K8S_VERSIONS <<'EOF' || exit 2
import os
import sys

import kubernetes_validate

root = os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema")
shipped = sorted(
    (name[1:].split("-")[0] for name in os.listdir(root) if name.endswith("-local-strict")),
    key=lambda version: tuple(int(part) for part in version.split(".")),
)
missing = [v for v in sys.argv[1:] if f"{v}.0" not in shipped and v not in shipped]
if missing:
    print(
        f"validate-manifests: no strict schemas for Kubernetes {', '.join(missing)} in this "
        f"kubernetes-validate; the newest shipped is {shipped[-1]}",
        file=sys.stderr,
    )
    sys.exit(1)
print(f"validate-manifests: schemas shipped for {shipped[0]} to {shipped[-1]}")
EOF

mapfile -t files < <(find "$@" -type f \( -name '*.yaml' -o -name '*.yml' \) | LC_ALL=C sort)
if [ "${#files[@]}" -eq 0 ]; then
    echo "validate-manifests: no YAML files in $*" >&2
    exit 2
fi

# Keep the files whose every document is a Kubernetes object.
mapfile -t manifests < <("$VENV/bin/python" - "${files[@]}" <<'EOF'
import sys

import yaml

for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as handle:
        documents = [d for d in yaml.safe_load_all(handle) if d is not None]
    if documents and all(
        isinstance(d, dict) and "apiVersion" in d and "kind" in d for d in documents
    ):
        print(path)
    else:
        print(f"validate-manifests: skipped {path} (not Kubernetes objects)", file=sys.stderr)
EOF
)
if [ "${#manifests[@]}" -eq 0 ]; then
    echo "validate-manifests: no Kubernetes manifests among ${#files[@]} YAML files" >&2
    exit 2
fi

status=0
for version in $K8S_VERSIONS; do
    echo "validate-manifests: ${#manifests[@]} files against Kubernetes $version (strict)"
    "$VENV/bin/kubernetes-validate" --strict --kubernetes-version "$version" "${manifests[@]}" \
        || status=1
done
if [ "$status" -ne 0 ]; then
    echo "validate-manifests: invalid manifests" >&2
fi
exit "$status"
