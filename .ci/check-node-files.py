"""Checks the node files of every mirror layout with parsers harbor-edge does not use.

Usage: check-node-files.py ROOT

ROOT/<layout>/<example>/ holds a `--target k3s,node` render (layouts `proxy-cache`,
`spectro-images`, `spectro-images-public`): `k3s/`, the cluster objects, whose Secrets give the
admin password, the CA and (private spectro-images) the robot secret; `node/`, the node files
rendered from the same credentials. Checked:

- every hosts.toml parses with tomllib, has containerd's fields, and its host URL is
  https://<endpoint>/v2/<repository prefix> of the layout;
- every registries.yaml parses with PyYAML, has k3s's fields, and rewrites each registry to the
  layout's prefix; only the private spectro-images layout logs in, as the robot, with its secret;
- each component of every repository prefix is a valid repository path component and Harbor
  name, [a-z0-9]+(?:[._-][a-z0-9]+)*;
- no node file holds the admin password, as text or base64;
- the node ca.crt is the cluster's: `ca.crt` of Secret harbor-tls, byte for byte (that it is a
  certificate is left to openssl, in .ci/run).

Exit 0 when all pass; an AssertionError names the file otherwise. No secret is printed.
"""

import base64
import pathlib
import re
import sys
import tomllib

import yaml

COMPONENT = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")
LAYOUTS = ("proxy-cache", "spectro-images", "spectro-images-public")
ROBOT = "robot$spectro-images+edge-nodes"


def secret_value(cluster_dir, name, key, required=True):
    for path in cluster_dir.glob("*.yaml"):
        document = yaml.safe_load(path.read_text())
        if document.get("kind") == "Secret" and document["metadata"]["name"] == name:
            return base64.b64decode(document["data"][key]).decode()
    if required:
        raise AssertionError(f"{cluster_dir}: no Secret {name}")
    return None


def prefix_for(layout, registry):
    name = registry.replace(":", "-")
    return name if layout == "proxy-cache" else f"spectro-images/{name}"


def check_prefix(prefix, where):
    for component in prefix.split("/"):
        assert COMPONENT.fullmatch(component), f"{where}: {component!r} is not a path component"


def main(root):
    counts = {"hosts.toml": 0, "registries.yaml": 0, "ca.crt": 0}
    for layout in LAYOUTS:
        for example in sorted((root / layout).iterdir()):
            cluster, folder = example / "k3s", example / "node"
            admin = secret_value(cluster, "harbor-admin-password", "HARBOR_ADMIN_PASSWORD")
            # Rendered in the private spectro-images layout only.
            robot = secret_value(
                cluster, "harbor-pull-robot", "HARBOR_ROBOT_SECRET", layout == "spectro-images"
            )
            if layout != "spectro-images":
                assert robot is None, f"{cluster}: a robot Secret in {layout}"
            cluster_ca = secret_value(cluster, "harbor-tls", "ca.crt")
            node_ca = (folder / "ca.crt").read_text()
            assert node_ca == cluster_ca, f"{example}: node and cluster CA differ"
            counts["ca.crt"] += 1
            for path in folder.rglob("*"):
                if path.is_file():
                    text = path.read_text()
                    encoded = base64.b64encode(admin.encode()).decode()
                    assert admin not in text and encoded not in text, f"{path}: admin password"

            for path in sorted(folder.glob("certs.d/*/hosts.toml")):
                data = tomllib.loads(path.read_text())
                assert set(data) == {"server", "host"}, path
                assert data["server"].startswith("https://"), path
                ((url, host),) = data["host"].items()
                assert set(host) == {"capabilities", "ca", "override_path"}, path
                assert host["override_path"] is True, path
                assert host["capabilities"] == ["pull", "resolve"], path
                match = re.fullmatch(r"https://[^/]+/v2/(.+)", url)
                assert match, f"{path}: {url}"
                registry = path.parent.name
                assert match.group(1) == prefix_for(layout, registry), f"{path}: {url}"
                check_prefix(match.group(1), path)
                if robot is not None:
                    assert robot not in path.read_text(), f"{path}: robot secret in hosts.toml"
                counts["hosts.toml"] += 1

            path = folder / "registries.yaml"
            data = yaml.safe_load(path.read_text())
            assert set(data) == {"mirrors", "configs"}, path
            for registry, mirror in data["mirrors"].items():
                assert set(mirror) == {"endpoint", "rewrite"}, path
                (target,) = mirror["rewrite"].values()
                assert target == prefix_for(layout, registry) + "/$1", f"{path}: {target}"
                check_prefix(target[: -len("/$1")], path)
            ((_, config),) = data["configs"].items()
            if layout == "spectro-images":
                assert set(config) == {"auth", "tls"}, path
                assert config["auth"] == {"username": ROBOT, "password": robot}, path
            else:
                assert set(config) == {"tls"}, f"{path}: no credentials in {layout}"
            counts["registries.yaml"] += 1
    print(
        f"{counts['hosts.toml']} hosts.toml and {counts['registries.yaml']} registries.yaml "
        f"files in {len(LAYOUTS)} layouts parse; paths valid; no admin password on a node; "
        f"{counts['ca.crt']} node ca.crt files are their cluster's"
    )


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]))
