#!/usr/bin/env python3
"""Chart conformance: what the real Harbor chart makes of harbor-edge's output.

For every example and the helm and k3s targets: render with harbor-edge (seeded), pass the
Helm values it produced to `helm template` (twice) and `helm lint`, and check the chart's own
output against the example's effective parameters (`harbor-edge defaults`): the expose
Service, core's EXT_ENDPOINT, the TLS Secret nginx and the CA download read, the admin
password's Secret, every volume's size and storage class, the metrics objects. Then
kubernetes-validate (.ci/validate-manifests.sh) over the chart's output and harbor-edge's
objects, and a report of the secrets left to the chart. Secret values are never printed.

Usage: chart_conformance.py --bin HARBOR_EDGE --helm HELM --chart CHART [--out DIR]
                            [--fail-on-leftovers] [EXAMPLE_NAME...]
Exit: 0 every example and target passed, 1 one failed, 2 usage.
"""

import argparse
import base64
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
from collections import defaultdict

import yaml

TARGETS = ("helm", "k3s")
SEED = "1"
RELEASE = "harbor"
NAMESPACE = "harbor"  # the release namespace: `helm install -n harbor`, HelmChart targetNamespace
REGISTRY_HOST = "spectro.registry.local"
# Harbor core serves the CA download from this file (defaultRootCert in Harbor's core).
CORE_CA_FILE = "/etc/core/ca/ca.crt"
# The chart's storage components and the parameter under harbor-config.storage that sizes each.
STORAGE_PARAMETERS = {
    "registry": "registry",
    "jobservice": "jobService",
    "database": "database",
    "redis": "redis",
    "trivy": "trivy",
}
# Defaults the chart ships in values.yaml; a cluster running with one of them shares it with
# every other default install.
WELL_KNOWN_DEFAULTS = {b"not-a-secure-key", b"changeit", b"harbor_registry_password", b"Harbor12345"}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}


class Stop(Exception):
    """A step failed and the later checks of this example and target cannot run."""


def kind_of(doc):
    return doc.get("kind") if isinstance(doc, dict) else None


def is_object(doc):
    return isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc


def name_of(doc):
    return (doc.get("metadata") or {}).get("name")


def namespace_of(doc, default=None):
    return (doc.get("metadata") or {}).get("namespace", default)


def documents(text):
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def secret_data(secret):
    """Key -> bytes of a Secret, stringData over data as the API server merges them."""
    values = {}
    for key, value in (secret.get("data") or {}).items():
        values[key] = base64.b64decode(value or "")
    for key, value in (secret.get("stringData") or {}).items():
        values[key] = str(value).encode()
    return values


def pod_spec(workload):
    spec = workload.get("spec") or {}
    if kind_of(workload) == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return ((spec.get("template") or {}).get("spec")) or {}


def pod_annotations(workload):
    spec = workload.get("spec") or {}
    if kind_of(workload) == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return ((spec.get("template") or {}).get("metadata") or {}).get("annotations") or {}


def component(doc):
    """The chart's `component` label: the pod template's for workloads, the object's otherwise."""
    labels = (((doc.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels")
    if labels is None:
        labels = (doc.get("metadata") or {}).get("labels") or {}
    return labels.get("component")


def gigabytes(value):
    """`<n>Gi` for a size as `harbor-edge defaults` prints it (whole GB, or already `<n>Gi`)."""
    return value if isinstance(value, str) else f"{value}Gi"


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def first_line(text, redact):
    lines = [line for line in redact(text).splitlines() if line.strip()]
    return (lines[0] if lines else "no message")[:300]


def chart_identity(chart):
    """(name, version) from the chart's Chart.yaml, packaged or unpacked."""
    path = pathlib.Path(chart)
    if path.is_dir():
        text = (path / "Chart.yaml").read_text(encoding="utf-8")
    else:
        with tarfile.open(path) as archive:
            member = next(
                m for m in archive.getmembers() if m.name.count("/") == 1 and m.name.endswith("/Chart.yaml")
            )
            text = archive.extractfile(member).read().decode("utf-8")
    meta = yaml.safe_load(text)
    return meta["name"], str(meta["version"])


class Bundle:
    """What harbor-edge wrote with --out: its Kubernetes objects and its Helm values files."""

    def __init__(self, root):
        self.root = root
        self.objects = []
        self.values_files = []
        self.documents = []
        for path in sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()):
            docs = documents(path.read_text(encoding="utf-8"))
            self.documents.extend(docs)
            if docs and all(is_object(doc) for doc in docs):
                self.objects.extend(docs)
            else:
                self.values_files.append(path)

    def secret(self, namespace, name):
        for doc in self.objects:
            if kind_of(doc) == "Secret" and name_of(doc) == name and namespace_of(doc) == namespace:
                return doc
        return None

    def secret_names(self, namespace):
        return [name_of(d) for d in self.objects if kind_of(d) == "Secret" and namespace_of(d) == namespace]

    def secret_values(self):
        return [value for doc in self.objects if kind_of(doc) == "Secret" for value in secret_data(doc).values()]


class Check:
    """One example rendered for one target and put through the chart."""

    def __init__(self, context, example, target, parameters):
        self.context = context
        self.example = example
        self.name = example.stem
        self.target = target
        self.parameters = parameters
        self.folder = context.out / self.name / target
        self.problems = []
        self.leftovers = []
        self.secret_texts = []

    def redact(self, text):
        for value in self.secret_texts:
            text = text.replace(value, "<redacted>")
        return text

    def harbor_edge(self, *extra):
        command = [self.context.bin, "render", str(self.example), *self.context.macros(self.example)]
        return run([*command, "--target", self.target, "--seed", SEED, *extra])

    def render(self):
        bundle_dir = self.folder / "harbor-edge"
        written = self.harbor_edge("--out", str(bundle_dir))
        if written.returncode != 0:
            raise Stop(f"harbor-edge render failed: {first_line(written.stderr, self.redact)}")
        bundle = Bundle(bundle_dir)
        self.secret_texts = sorted(
            {v.decode("utf-8", "replace") for v in bundle.secret_values() if len(v) >= 8}, key=len, reverse=True
        )
        stream = self.harbor_edge()
        if stream.returncode != 0:
            raise Stop(f"harbor-edge render (stream) failed: {first_line(stream.stderr, self.redact)}")
        canonical = lambda docs: sorted(json.dumps(d, sort_keys=True, default=str) for d in docs)
        if canonical(documents(stream.stdout)) != canonical(bundle.documents):
            self.problems.append("the YAML stream and the --out folder hold different documents")
        return bundle

    def values_files(self, bundle):
        """The values files in the order helm applies them."""
        if self.target == "helm":
            if not bundle.values_files:
                raise Stop("harbor-edge wrote no Helm values file")
            # values.yaml first, then any further values file (a secret values file, say).
            return sorted(
                bundle.values_files,
                key=lambda p: (p.name != "values.yaml", len(p.relative_to(bundle.root).parts), str(p)),
            )
        if bundle.values_files:
            names = ", ".join(str(p.relative_to(bundle.root)) for p in bundle.values_files)
            self.problems.append(f"files that are not Kubernetes objects in the k3s output: {names}")
        return self.helmchart_values(bundle)

    def helmchart_values(self, bundle):
        """valuesContent, then every valuesSecrets key, as helm-controller passes them."""
        charts = [doc for doc in bundle.objects if kind_of(doc) == "HelmChart"]
        if len(charts) != 1:
            raise Stop(f"harbor-edge rendered {len(charts)} HelmCharts, expected one")
        chart = charts[0]
        spec = chart.get("spec") or {}
        name, version = self.context.chart_identity
        wanted = {"chart": name, "version": version, "targetNamespace": NAMESPACE}
        for field, value in wanted.items():
            if str(spec.get(field)) != value:
                self.problems.append(f"HelmChart spec.{field} is {spec.get(field)!r}, the chart checked is {value!r}")
        unsupported = [field for field in ("set", "values", "chartContent") if spec.get(field)]
        if unsupported:
            raise Stop(f"HelmChart uses spec.{', spec.'.join(unsupported)}, which this check does not pass to helm")
        folder = self.folder / "values"
        folder.mkdir(parents=True, exist_ok=True)
        files = [folder / "00-valuesContent.yaml"]
        files[0].write_text(spec.get("valuesContent") or "", encoding="utf-8")
        chart_namespace = namespace_of(chart, "default")
        for index, reference in enumerate(spec.get("valuesSecrets") or [], start=1):
            secret = bundle.secret(chart_namespace, reference.get("name"))
            if secret is None:
                if reference.get("ignoreUpdates"):
                    continue  # optional: helm-controller skips a missing one
                raise Stop(
                    f"HelmChart valuesSecrets names Secret {chart_namespace}/{reference.get('name')}, "
                    "which harbor-edge did not render"
                )
            data = secret_data(secret)
            for key in reference.get("keys") or []:
                if key not in data:
                    raise Stop(f"HelmChart valuesSecrets reads key {key} of Secret {name_of(secret)}, which lacks it")
                suffix = "" if key.endswith((".yaml", ".yml")) else ".yaml"
                path = folder / f"{index:02d}-secret-{name_of(secret)}-{key}{suffix}"
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(data[key])
                files.append(path)
        return files

    def helm(self, *args):
        return run([self.context.helm, *args])

    def template(self, values):
        flags = [arg for path in values for arg in ("-f", str(path))]
        command = ("template", RELEASE, self.context.chart, "-n", NAMESPACE, *flags)
        first = self.helm(*command)
        if first.returncode != 0:
            raise Stop(f"helm template failed: {first_line(first.stderr, self.redact)}")
        chart_dir = self.folder / "chart"
        chart_dir.mkdir(parents=True, exist_ok=True)
        (chart_dir / "harbor.yaml").write_text(first.stdout, encoding="utf-8")
        second = self.helm(*command)
        if second.returncode != 0:
            raise Stop(f"helm template (second run) failed: {first_line(second.stderr, self.redact)}")
        lint = self.helm("lint", self.context.chart, *flags)
        if lint.returncode != 0:
            errors = [line.strip() for line in lint.stdout.splitlines() + lint.stderr.splitlines() if "[ERROR]" in line]
            self.problems.append(f"helm lint failed: {self.redact('; '.join(errors) or lint.stderr.strip())[:300]}")
        return documents(first.stdout), documents(second.stdout)

    def run(self):
        try:
            bundle = self.render()
            chart, rerun = self.template(self.values_files(bundle))
        except Stop as stop:
            self.problems.append(str(stop))
            return
        assertions = ChartAssertions(chart, bundle, self.parameters)
        self.problems.extend(assertions.all())
        self.leftovers = leftovers(chart, rerun)


class ChartAssertions:
    """Checks on the chart's own output against the example's effective parameters."""

    def __init__(self, chart, bundle, parameters):
        self.chart = chart
        self.bundle = bundle
        config = parameters["harbor-config"]
        self.service = config["service"]
        self.storage = config["storage"]

    def all(self):
        problems = []
        for check in (self.expose_service, self.external_url, self.tls_secret, self.admin_password,
                      self.volumes, self.metrics):
            problems.extend(check())
        return problems

    def of_kind(self, kind, component_name=None):
        return [
            doc for doc in self.chart
            if kind_of(doc) == kind and (component_name is None or component(doc) == component_name)
        ]

    def workload_container(self, component_name, container_name):
        workloads = self.of_kind("Deployment", component_name)
        if len(workloads) != 1:
            return None, None, f"the chart made {len(workloads)} {component_name} Deployments, expected one"
        spec = pod_spec(workloads[0])
        containers = spec.get("containers") or []
        container = next((c for c in containers if c.get("name") == container_name), None)
        if container is None:
            return None, None, f"{name_of(workloads[0])} has no container {container_name}"
        return spec, container, None

    def expose_service(self):
        services = [
            doc for doc in self.of_kind("Service")
            if ((doc.get("spec") or {}).get("selector") or {}).get("component") == "nginx"
        ]
        if len(services) != 1:
            return [f"the chart made {len(services)} Services in front of nginx, expected one"]
        service = services[0]
        kind = self.service["serviceType"]
        ports = self.service["harbor"]
        expected = {
            scheme: (ports[scheme]["port"], ports[scheme]["nodePort"] if kind == "NodePort" else None)
            for scheme in ("http", "https")
        }
        spec = service.get("spec") or {}
        actual = {p.get("name"): (p.get("port"), p.get("nodePort")) for p in spec.get("ports") or []}
        if spec.get("type") == kind and actual == expected:
            return []

        def describe(service_type, by_name):
            parts = [
                f"{scheme} {port}" + (f"/{node_port}" if node_port is not None else "")
                for scheme, (port, node_port) in sorted(by_name.items(), key=lambda item: str(item[0]))
            ]
            return f"{service_type} {', '.join(parts)}"

        return [f"Service {name_of(service)} is {describe(spec.get('type'), actual)}, "
                f"expected {describe(kind, expected)}"]

    def resolve_env(self, container):
        """Variable -> ('value', text) | ('configMap', name, key, text) | ('secret', name, key),
        with env over envFrom and later envFrom sources over earlier ones, as the kubelet does."""
        variables = {}
        for source in container.get("envFrom") or []:
            prefix = source.get("prefix", "")
            if "configMapRef" in source:
                name = source["configMapRef"].get("name")
                config_map = next((d for d in self.of_kind("ConfigMap") if name_of(d) == name), {})
                for key, value in (config_map.get("data") or {}).items():
                    variables[prefix + key] = ("configMap", name, key, value)
            if "secretRef" in source:
                name = source["secretRef"].get("name")
                secret = next((d for d in self.of_kind("Secret") if name_of(d) == name), None)
                keys = secret_data(secret) if secret else {}
                for key in keys:
                    variables[prefix + key] = ("secret", name, key)
        for entry in container.get("env") or []:
            if "value" in entry:
                variables[entry["name"]] = ("value", entry["value"])
            reference = (entry.get("valueFrom") or {})
            if "secretKeyRef" in reference:
                ref = reference["secretKeyRef"]
                variables[entry["name"]] = ("secret", ref.get("name"), ref.get("key"))
            if "configMapKeyRef" in reference:
                ref = reference["configMapKeyRef"]
                config_map = next((d for d in self.of_kind("ConfigMap") if name_of(d) == ref.get("name")), {})
                value = (config_map.get("data") or {}).get(ref.get("key"))
                variables[entry["name"]] = ("configMap", ref.get("name"), ref.get("key"), value)
        return variables

    def external_url(self):
        _, core, problem = self.workload_container("core", "core")
        if problem:
            return [problem]
        https = self.service["harbor"]["https"]
        port = https["nodePort"] if self.service["serviceType"] == "NodePort" else https["port"]
        expected = f"https://{REGISTRY_HOST}" + ("" if port == 443 else f":{port}")
        source = self.resolve_env(core).get("EXT_ENDPOINT")
        if source is None:
            return [f"core has no EXT_ENDPOINT, expected {expected}"]
        actual = source[-1] if source[0] in ("value", "configMap") else f"from Secret {source[1]}"
        return [] if actual == expected else [f"core's EXT_ENDPOINT is {actual}, expected {expected}"]

    def secret_behind_file(self, spec, container, path):
        """(Secret name, key) of the file `path` in `container`, or (None, why not)."""
        mounts = [
            m for m in container.get("volumeMounts") or []
            if path == m.get("mountPath") or path.startswith(m.get("mountPath", "").rstrip("/") + "/")
        ]
        if not mounts:
            return None, f"nothing is mounted at {path}"
        mount = max(mounts, key=lambda m: len(m["mountPath"]))
        volume = next((v for v in spec.get("volumes") or [] if v.get("name") == mount.get("name")), {})
        if "secret" not in volume:
            return None, f"{path} comes from volume {mount.get('name')}, which is not a Secret"
        relative = mount.get("subPath") or path[len(mount["mountPath"].rstrip("/")) + 1:]
        items = volume["secret"].get("items")
        if items:
            item = next((i for i in items if i.get("path") == relative), None)
            if item is None:
                return None, f"{path}: the Secret volume {mount.get('name')} projects no {relative}"
            relative = item.get("key")
        return (volume["secret"].get("secretName"), relative), None

    def harbor_edge_secret_has(self, reader, secret_name, key):
        secret = self.bundle.secret(NAMESPACE, secret_name)
        if secret is None:
            rendered = ", ".join(self.bundle.secret_names(NAMESPACE)) or "none"
            return [f"{reader} Secret {secret_name}, which harbor-edge did not render "
                    f"(harbor-edge's Secrets in {NAMESPACE}: {rendered})"]
        if key not in secret_data(secret):
            return [f"{reader} key {key} of harbor-edge's Secret {secret_name}, which lacks it"]
        return []

    def tls_secret(self):
        problems = []
        spec, nginx, problem = self.workload_container("nginx", "nginx")
        if problem:
            return [problem]
        mounted_maps = {
            (v.get("configMap") or {}).get("name") for v in spec.get("volumes") or [] if "configMap" in v
        }
        config = "\n".join(
            str(text) for doc in self.of_kind("ConfigMap") if name_of(doc) in mounted_maps
            for text in (doc.get("data") or {}).values()
        )
        files = re.findall(r"^\s*ssl_certificate(?:_key)?\s+([^;\s]+)\s*;", config, re.MULTILINE)
        if not files:
            problems.append("nginx serves no TLS: no ssl_certificate in its configuration")
        for path in files:
            found, why = self.secret_behind_file(spec, nginx, path)
            if found is None:
                problems.append(f"nginx: {why}")
            else:
                problems.extend(self.harbor_edge_secret_has(f"nginx reads {path} from", *found))
        spec, core, problem = self.workload_container("core", "core")
        if problem:
            return problems + [problem]
        found, why = self.secret_behind_file(spec, core, CORE_CA_FILE)
        if found is None:
            problems.append(f"core's CA download: {why}")
        else:
            problems.extend(self.harbor_edge_secret_has(f"core's CA download ({CORE_CA_FILE}) reads", *found))
        return problems

    def admin_password(self):
        _, core, problem = self.workload_container("core", "core")
        if problem:
            return [problem]
        source = self.resolve_env(core).get("HARBOR_ADMIN_PASSWORD")
        if source is None:
            return ["core has no HARBOR_ADMIN_PASSWORD"]
        if source[0] != "secret":
            return [f"core's HARBOR_ADMIN_PASSWORD comes from a {source[0]}, not from harbor-edge's Secret"]
        return self.harbor_edge_secret_has("core's HARBOR_ADMIN_PASSWORD comes from", source[1], source[2])

    def volumes(self):
        problems = []
        claims = [(f"PVC {name_of(doc)}", component(doc), doc.get("spec") or {})
                  for doc in self.of_kind("PersistentVolumeClaim")]
        for workload in self.of_kind("StatefulSet"):
            for template in (workload.get("spec") or {}).get("volumeClaimTemplates") or []:
                label = f"StatefulSet {name_of(workload)} claim {name_of(template)}"
                claims.append((label, component(workload), template.get("spec") or {}))
        storage_class = self.storage.get("storageClass")
        seen = set()
        for label, owner, spec in claims:
            parameter = STORAGE_PARAMETERS.get(owner)
            if parameter is None:
                problems.append(f"{label} belongs to {owner!r}, which no storage parameter sizes")
                continue
            seen.add(owner)
            expected = gigabytes(self.storage[parameter])
            size = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
            if size != expected:
                problems.append(f"{label} requests {size}, expected {expected} (storage.{parameter})")
            if spec.get("storageClassName") != storage_class:
                actual = spec.get("storageClassName", "no storage class")
                wanted = storage_class if storage_class is not None else "no storage class (the cluster default)"
                problems.append(f"{label} has {actual!r}, expected {wanted!r}")
        for owner in sorted(set(STORAGE_PARAMETERS) - seen):
            problems.append(f"the chart made no volume for {owner} (storage.{STORAGE_PARAMETERS[owner]})")
        return problems

    def metrics(self):
        problems = []
        metrics = self.service["metrics"]
        expected = {
            "exporter Deployment": (bool(metrics["enabled"]), self.of_kind("Deployment", "exporter")),
            "ServiceMonitor": (bool(metrics["enabled"] and metrics["serviceMonitor"]), self.of_kind("ServiceMonitor")),
        }
        for what, (wanted, found) in expected.items():
            if wanted and not found:
                problems.append(f"the chart made no {what} although the example asks for metrics")
            if found and not wanted:
                names = ", ".join(name_of(doc) for doc in found)
                problems.append(f"the chart made {what} {names} although the example does not ask for it")
        return problems


def leftovers(first, second):
    """(object, item, why) for secrets the chart filled in itself; never the values."""
    def values(chart):
        return {
            (name_of(doc), key): value
            for doc in chart if kind_of(doc) == "Secret"
            for key, value in secret_data(doc).items()
        }

    def checksums(chart):
        return {
            (kind_of(doc), name_of(doc), key): value
            for doc in chart if kind_of(doc) in WORKLOAD_KINDS
            for key, value in pod_annotations(doc).items() if key.startswith("checksum/")
        }

    found = []
    before, after = values(first), values(second)
    for (secret, key), value in before.items():
        if value in WELL_KNOWN_DEFAULTS:
            found.append((f"Secret {secret}", f"key {key}", "one of the chart's well-known defaults"))
        if after.get((secret, key)) != value:
            found.append((f"Secret {secret}", f"key {key}", "differs between two helm template runs"))
    before, after = checksums(first), checksums(second)
    for (kind, name, key), value in before.items():
        if after.get((kind, name, key)) != value:
            found.append((f"{kind} {name}", f"annotation {key}", "differs between two helm template runs"))
    return found


class Context:
    def __init__(self, args):
        self.bin = args.bin
        self.helm = args.helm
        self.chart = args.chart
        self.out = pathlib.Path(args.out)
        self.chart_identity = chart_identity(args.chart)

    @staticmethod
    def macros(example):
        macros = example.parent / example.stem / "palette-macros.yaml"
        return ["--macros", str(macros)] if macros.is_file() else []

    def parameters(self, example):
        shown = run([self.bin, "defaults", str(example), *self.macros(example)])
        if shown.returncode != 0:
            raise Stop(f"harbor-edge defaults failed: {first_line(shown.stderr, lambda t: t)}")
        return yaml.safe_load(shown.stdout)


def validate(out, checks):
    """kubernetes-validate over everything under `out`; ERROR lines go to their check."""
    by_folder = {(check.name, check.target): check for check in checks}
    script = pathlib.Path(__file__).with_name("validate-manifests.sh")
    result = run(["bash", str(script), str(out)])
    log = out / "kubernetes-validate.log"
    log.write_text(result.stdout + result.stderr, encoding="utf-8")
    warnings = defaultdict(int)
    unplaced = []
    for line in (result.stdout + result.stderr).splitlines():
        match = re.match(r"^(ERROR|WARN) (\S+) (.*)$", line) or re.match(
            r"^Couldn't parse YAML from file (\S+?):? (.*)$", line
        )
        if not match:
            continue
        if line.startswith("WARN"):
            warnings[re.sub(r"^\S+ \S+ ", "", line)] += 1
            continue
        path, message = (match.group(2), match.group(3)) if line.startswith("ERROR") else match.groups()
        try:
            parts = pathlib.Path(path).resolve().relative_to(out.resolve()).parts
        except ValueError:
            parts = ()
        check = by_folder.get(tuple(parts[:2]))
        where = "/".join(parts[2:])
        if check is None:
            unplaced.append(line)
        else:
            check.problems.append(f"kubernetes-validate: {where} {message}")
    print(f"kubernetes-validate: exit {result.returncode}, full output in {log}")
    for message, count in sorted(warnings.items()):
        print(f"  WARN ({count} files) {message}")
    if result.returncode != 0 and not any(
        p.startswith("kubernetes-validate") for check in checks for p in check.problems
    ):
        lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        unplaced.append(f"exit {result.returncode}: {lines[-1] if lines else 'no message'}")
    return unplaced


def report_leftovers(checks, fail):
    where = defaultdict(list)
    for check in checks:
        for item in check.leftovers:
            where[item].append(f"{check.name}/{check.target}")
    print()
    mode = "failures (--fail-on-leftovers)" if fail else "a report; --fail-on-leftovers makes them failures"
    print(f"secrets left to the chart ({len(where)} items; {mode}):")
    # Secrets first, then the workloads' annotations.
    for (subject, item, why), renders in sorted(where.items(), key=lambda e: (not e[0][0].startswith("Secret "), e[0])):
        scope = f"all {len(checks)} renders" if len(renders) == len(checks) else ", ".join(renders)
        print(f"  {subject} {item}: {why} ({scope})")
    if not where:
        print("  none")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="the harbor-edge release binary")
    parser.add_argument("--helm", required=True, help="the helm binary")
    parser.add_argument("--chart", required=True, help="the Harbor chart: a .tgz or a folder")
    parser.add_argument("--out", default="target/ci-rendered", help="where renders and chart output go")
    parser.add_argument("--fail-on-leftovers", action="store_true",
                        help="count secrets left to the chart as failures")
    parser.add_argument("examples", nargs="*", help="example names (default: every examples/*.yaml)")
    args = parser.parse_args()

    examples = sorted(pathlib.Path("examples").glob("*.yaml"))
    if args.examples:
        examples = [pathlib.Path("examples") / f"{name}.yaml" for name in args.examples]
        missing = [str(p) for p in examples if not p.is_file()]
        if missing:
            print(f"chart-conformance: no such example: {', '.join(missing)}", file=sys.stderr)
            return 2
    context = Context(args)
    shutil.rmtree(context.out, ignore_errors=True)
    context.out.mkdir(parents=True)
    name, version = context.chart_identity
    print(f"chart-conformance: {len(examples)} examples x {len(TARGETS)} targets, chart {name} {version} "
          f"({args.chart}), output in {context.out}")

    checks = []
    for example in examples:
        try:
            parameters = context.parameters(example)
        except Stop as stop:
            parameters = None
            failed = str(stop)
        for target in TARGETS:
            check = Check(context, example, target, parameters)
            if parameters is None:
                check.problems.append(failed)
            else:
                check.run()
            print(f"  templated {check.name} {target}", file=sys.stderr, flush=True)
            checks.append(check)

    unplaced = validate(context.out, checks)
    report_leftovers(checks, args.fail_on_leftovers)

    print()
    failed = 0
    for check in checks:
        problems = list(check.problems)
        if args.fail_on_leftovers and check.leftovers:
            problems.append(f"{len(check.leftovers)} items left to the chart (see the report above)")
        if problems:
            failed += 1
            print(f"FAIL {check.name} {check.target}: {'; '.join(problems)}")
        else:
            print(f"ok {check.name} {check.target}")
    for line in unplaced:
        failed += 1
        print(f"FAIL kubernetes-validate: {line}")
    print(f"{len(checks) + len(unplaced) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
