"""Checks Harbor's internal credentials in rendered bundles with code harbor-edge did not write.

Usage: python .ci/check-internal-credentials.py RENDERED_ROOT

RENDERED_ROOT holds one folder per example with `helm/` and `k3s/` folders, each holding the
bundle `harbor-edge render --out` wrote in `harbor-edge/` (what the chart conformance check
writes to target/ci-rendered). For every bundle:

- the registry's htpasswd line verifies the registry password with Python's bcrypt (the
  registry itself verifies with Go's x/crypto/bcrypt), and refuses another password;
- the token key passes `openssl rsa -check`, is RSA of 2048 bits or more, and is the key of the
  token certificate, which `openssl x509` reads as valid for ten years;
- no internal credential appears in the Helm values (values.yaml or the HelmChart's
  valuesContent).

Needs the `bcrypt` package and the openssl command line. Exit 1 on the first failure.
"""

import base64
import pathlib
import re
import subprocess
import sys
import tempfile
from datetime import datetime

import bcrypt
import yaml

INTERNAL_SECRETS = (
    "harbor-core-keys",
    "harbor-core-secret",
    "harbor-core-token",
    "harbor-jobservice-secret",
    "harbor-registry-secret",
    "harbor-registry-credentials",
    "harbor-database-password",
)


def secret_data(path: pathlib.Path) -> dict:
    document = yaml.safe_load(path.read_text())
    return {key: base64.b64decode(value) for key, value in document["data"].items()}


def openssl(*args: str, stdin: bytes | None = None) -> str:
    return subprocess.run(
        ["openssl", *args], input=stdin, capture_output=True, check=True
    ).stdout.decode()


def check_bundle(bundle: pathlib.Path) -> None:
    registry = secret_data(next(bundle.glob("*-secret-harbor-registry-credentials.yaml")))
    user, _, hashed = registry["REGISTRY_HTPASSWD"].partition(b":")
    assert user == b"harbor_registry_user", f"{bundle}: htpasswd user {user!r}"
    assert bcrypt.checkpw(registry["REGISTRY_PASSWD"], hashed), f"{bundle}: bcrypt mismatch"
    assert not bcrypt.checkpw(b"harbor_registry_password", hashed), f"{bundle}: default pw"

    token = secret_data(next(bundle.glob("*-secret-harbor-core-token.yaml")))
    assert token["tls.key"].startswith(b"-----BEGIN RSA PRIVATE KEY-----"), f"{bundle}: PKCS#1"
    with tempfile.TemporaryDirectory() as scratch:
        key = pathlib.Path(scratch, "tls.key")
        key.write_bytes(token["tls.key"])
        assert "RSA key ok" in openssl("rsa", "-in", str(key), "-check", "-noout")
        text = openssl("x509", "-noout", "-text", stdin=token["tls.crt"])
        bits = int(re.search(r"Public-Key: \((\d+) bit\)", text).group(1))
        assert "rsaEncryption" in text and bits >= 2048, f"{bundle}: token key {bits} bits"
        dates = openssl("x509", "-noout", "-startdate", "-enddate", stdin=token["tls.crt"])
        start, end = (
            datetime.strptime(line.split("=", 1)[1].strip(), "%b %d %H:%M:%S %Y %Z")
            for line in dates.splitlines()
        )
        assert end.replace(year=end.year - 10) == start, f"{bundle}: validity {start}..{end}"
        from_cert = openssl("x509", "-noout", "-pubkey", stdin=token["tls.crt"])
        from_key = openssl("rsa", "-in", str(key), "-pubout")
        assert from_cert == from_key, f"{bundle}: tls.key is not the key of tls.crt"

    values = [bundle / "values" / "values.yaml"] if (bundle / "values" / "values.yaml").exists() else []
    texts = [path.read_text() for path in values]
    for chart in bundle.glob("*-helmchart-*.yaml"):
        texts.append(yaml.safe_load(chart.read_text())["spec"]["valuesContent"])
    assert texts, f"{bundle}: no values found"
    for name in INTERNAL_SECRETS:
        for path in bundle.glob(f"*-secret-{name}.yaml"):
            for key, value in secret_data(path).items():
                for line in value.decode().splitlines():
                    if len(line) >= 8:
                        assert all(line not in text for text in texts), (
                            f"{bundle}: {name}/{key} in the Helm values"
                        )


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    bundles = sorted(path for path in root.glob("*/*/harbor-edge") if path.parent.name in ("helm", "k3s"))
    if not bundles:
        print(f"no helm/ or k3s/ bundles under {root}", file=sys.stderr)
        return 1
    for bundle in bundles:
        check_bundle(bundle)
    print(f"internal credentials: {len(bundles)} bundles checked (bcrypt, openssl, values)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
