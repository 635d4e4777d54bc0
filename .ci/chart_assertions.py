"""What the Harbor chart's own output must hold for harbor-edge's parameters, and which secrets
the chart still fills in itself. Used by chart_conformance.py; reads parsed YAML only."""

import base64
import re
from collections import defaultdict

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
# Where a pod reads its own private key (SPEC 4.2: the only private key a pod may receive):
# nginx its serving key (found from ssl_certificate_key in its configuration), core the key it
# signs registry tokens with (core.secretName, mounted at this path).
CORE_TOKEN_KEY_FILE = "/etc/core/private_key.pem"
# harbor-edge's Secret holding the CA key, in the cluster's namespace: no pod may mount it.
CA_KEY_SECRET = "harbor-ca"


def kind_of(doc):
    return doc.get("kind") if isinstance(doc, dict) else None


def is_object(doc):
    return isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc


def name_of(doc):
    return (doc.get("metadata") or {}).get("name")


def namespace_of(doc, default=None):
    return (doc.get("metadata") or {}).get("namespace", default)


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
                      self.volumes, self.metrics, self.custody):
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
        source = volume["secret"] or {}
        if not source.get("secretName"):
            return None, f"{path} comes from Secret volume {mount.get('name')}, which names no Secret"
        relative = mount.get("subPath") or path[len(mount["mountPath"].rstrip("/")) + 1:]
        items = source.get("items")
        if items:
            item = next((i for i in items if i.get("path") == relative), None)
            if item is None:
                return None, f"{path}: the Secret volume {mount.get('name')} projects no {relative}"
            relative = item.get("key")
        return (source["secretName"], relative), None

    def harbor_edge_secret_has(self, reader, secret_name, keys):
        """Problems unless harbor-edge rendered Secret `secret_name` in the release namespace
        with every one of `keys`."""
        secret = self.bundle.secret(NAMESPACE, secret_name)
        if secret is None:
            rendered = ", ".join(self.bundle.secret_names(NAMESPACE)) or "none"
            return [f"{reader} Secret {secret_name} (keys {', '.join(keys)}), which harbor-edge did not "
                    f"render (harbor-edge's Secrets in {NAMESPACE}: {rendered})"]
        present = secret_data(secret)
        lacking = [key for key in keys if key not in present]
        if lacking:
            return [f"{reader} key {', '.join(lacking)} of harbor-edge's Secret {secret_name}, which has "
                    f"only {', '.join(sorted(present))}"]
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
        keys_by_secret = defaultdict(list)
        for path in files:
            found, why = self.secret_behind_file(spec, nginx, path)
            if found is None:
                problems.append(f"nginx: {why}")
            else:
                keys_by_secret[found[0]].append(found[1])
        for secret_name, keys in keys_by_secret.items():
            problems.extend(self.harbor_edge_secret_has("nginx reads its certificate from", secret_name, keys))
        spec, core, problem = self.workload_container("core", "core")
        if problem:
            return problems + [problem]
        found, why = self.secret_behind_file(spec, core, CORE_CA_FILE)
        if found is None:
            problems.append(f"core's CA download: {why}")
        else:
            problems.extend(self.harbor_edge_secret_has(
                f"core's CA download ({CORE_CA_FILE}) reads", found[0], [found[1]]))
        return problems

    def own_keys(self):
        """{component: {(Secret, key)}}: the private key each pod may hold, its own."""
        own = defaultdict(set)
        spec, nginx, _ = self.workload_container("nginx", "nginx")
        if nginx is not None:
            mounted_maps = {
                (v.get("configMap") or {}).get("name") for v in spec.get("volumes") or [] if "configMap" in v
            }
            config = "\n".join(
                str(text) for doc in self.of_kind("ConfigMap") if name_of(doc) in mounted_maps
                for text in (doc.get("data") or {}).values()
            )
            for path in re.findall(r"^\s*ssl_certificate_key\s+([^;\s]+)\s*;", config, re.MULTILINE):
                found, _ = self.secret_behind_file(spec, nginx, path)
                if found:
                    own["nginx"].add(found)
        spec, core, _ = self.workload_container("core", "core")
        if core is not None:
            found, _ = self.secret_behind_file(spec, core, CORE_TOKEN_KEY_FILE)
            if found:
                own["core"].add(found)
        return own

    def secret_named(self, name):
        """A Secret of the release namespace: harbor-edge's, else the chart's own."""
        found = self.bundle.secret(NAMESPACE, name)
        if found is None:
            found = next((d for d in self.of_kind("Secret") if name_of(d) == name), None)
        return found

    def custody(self):
        """SPEC 4.2: every Secret a pod receives (Secret and projected volumes, env secretKeyRef,
        envFrom) holds no private key but that pod's own; harbor-edge's CA key Secret reaches no
        pod at all. The pods are the chart's and harbor-edge's own (the bootstrap Job), which
        owns no key."""
        problems = []
        own = self.own_keys()
        own_workloads = [doc for doc in self.bundle.objects if kind_of(doc) in WORKLOAD_KINDS]
        if not any(kind_of(doc) == "Job" for doc in own_workloads):
            problems.append("harbor-edge's bundle holds no bootstrap Job to check")
        for workload in list(self.chart) + own_workloads:
            if kind_of(workload) not in WORKLOAD_KINDS:
                continue
            spec = pod_spec(workload)
            owner = component(workload)
            received = set()  # (Secret, key or None for every key, how)
            for volume in spec.get("volumes") or []:
                sources = []
                if "secret" in volume:
                    source = volume["secret"] or {}
                    sources.append((source.get("secretName"), source.get("items")))
                for projected in ((volume.get("projected") or {}).get("sources") or []):
                    if "secret" in projected:
                        source = projected["secret"] or {}
                        sources.append((source.get("name"), source.get("items")))
                for name, items in sources:
                    keys = [item.get("key") for item in items] if items else [None]
                    received.update((name, key, f"volume {volume.get('name')}") for key in keys)
            for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
                for entry in container.get("env") or []:
                    ref = (entry.get("valueFrom") or {}).get("secretKeyRef")
                    if ref:
                        received.add((ref.get("name"), ref.get("key"), f"env {entry.get('name')}"))
                for entry in container.get("envFrom") or []:
                    if "secretRef" in entry:
                        received.add((entry["secretRef"].get("name"), None, "envFrom"))
            label = f"{kind_of(workload)} {name_of(workload)}"
            for name, key, how in sorted(received, key=lambda item: (str(item[0]), str(item[1]), item[2])):
                if name == CA_KEY_SECRET:
                    problems.append(f"{label} receives harbor-edge's CA key Secret {name} ({how})")
                    continue
                secret = self.secret_named(name)
                if secret is None:
                    continue
                data = secret_data(secret)
                for data_key in ([key] if key is not None else sorted(data)):
                    value = data.get(data_key, b"")
                    if b"PRIVATE KEY-----" not in value:
                        continue
                    if (name, data_key) in own.get(owner, set()):
                        continue
                    problems.append(
                        f"{label} ({owner}) receives the private key {name}/{data_key} ({how}), "
                        "which is not its own"
                    )
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
        return self.harbor_edge_secret_has("core's HARBOR_ADMIN_PASSWORD comes from", source[1], [source[2]])

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


def secret_values(chart):
    """(Secret name, key) -> value for every Secret of a chart output."""
    return {
        (name_of(doc), key): value
        for doc in chart if kind_of(doc) == "Secret"
        for key, value in secret_data(doc).items()
    }


def checksum_annotations(chart):
    """(kind, name, annotation) -> value for every `checksum/*` pod annotation of a chart output."""
    return {
        (kind_of(doc), name_of(doc), key): value
        for doc in chart if kind_of(doc) in WORKLOAD_KINDS
        for key, value in pod_annotations(doc).items() if key.startswith("checksum/")
    }


def differences(first, second, why):
    """(object, item, why) for every Secret value and `checksum/*` annotation of `first` that
    `second` lacks or holds otherwise; never the values."""
    found = []
    before, after = secret_values(first), secret_values(second)
    for (secret, key), value in before.items():
        if after.get((secret, key)) != value:
            found.append((f"Secret {secret}", f"key {key}", why))
    before, after = checksum_annotations(first), checksum_annotations(second)
    for (kind, name, key), value in before.items():
        if after.get((kind, name, key)) != value:
            found.append((f"{kind} {name}", f"annotation {key}", why))
    return found


def leftovers(first, second):
    """(object, item, why) for secrets the chart filled in itself: one of its well-known
    defaults, or a value that two `helm template` runs of the same values (`first`, `second`)
    disagree on. Never the values."""
    found = [
        (f"Secret {secret}", f"key {key}", "one of the chart's well-known defaults")
        for (secret, key), value in secret_values(first).items()
        if value in WELL_KNOWN_DEFAULTS
    ]
    return found + differences(first, second, "differs between two helm template runs")
