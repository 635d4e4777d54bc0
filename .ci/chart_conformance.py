#!/usr/bin/env python3
"""Chart conformance: what the real Harbor chart makes of harbor-edge's output.

For every example and the helm and k3s targets: render with harbor-edge (seeded), pass the
Helm values it produced to `helm template` (twice) and `helm lint`, render again with another
seed reusing the first render's Secrets (`--existing`) and template that too, and check the chart's own
output against the example's effective parameters (`harbor-edge defaults`): the expose
Service, core's EXT_ENDPOINT, the TLS Secret nginx and the CA download read, the admin
password's Secret, every volume's size and storage class, the metrics objects. Then
kubernetes-validate (.ci/validate-manifests.sh) over the chart's output and harbor-edge's
objects, and a report of the secrets left to the chart. Secret values are never printed.

Usage: chart_conformance.py --bin HARBOR_EDGE --helm HELM --chart CHART [--out DIR]
                            [--report-leftovers-only] [EXAMPLE_NAME...]
Exit: 0 every example and target passed, 1 one failed, 2 usage.
"""

import argparse
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

from chart_assertions import (
    NAMESPACE,
    ChartAssertions,
    is_object,
    kind_of,
    differences,
    leftovers,
    name_of,
    namespace_of,
    secret_data,
)

TARGETS = ("helm", "k3s")
SEED = "1"
# The re-render that must reuse every credential runs with another seed: anything it generated
# instead of reusing would differ.
REUSE_SEED = "2"
RELEASE = "harbor"


def bundle_secret_values(bundle):
    """(namespace/name, key) -> value of every Secret harbor-edge rendered."""
    return {
        (f"{namespace_of(doc)}/{name_of(doc)}", key): value
        for doc in bundle.objects if kind_of(doc) == "Secret"
        for key, value in secret_data(doc).items()
    }


class Stop(Exception):
    """A step failed and the later checks of this example and target cannot run."""


def documents(text):
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


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

    def harbor_edge(self, *extra, seed=SEED):
        command = [self.context.bin, "render", str(self.example), *self.context.macros(self.example)]
        return run([*command, "--target", self.target, "--seed", seed, *extra])

    def render(self):
        bundle_dir = self.folder / "harbor-edge"
        written = self.harbor_edge("--out", str(bundle_dir))
        if written.returncode != 0:
            raise Stop(f"harbor-edge render failed: {first_line(written.stderr, self.redact)}")
        bundle = Bundle(bundle_dir)
        self.secret_texts = sorted(
            {v.decode("utf-8", "replace") for v in bundle.secret_values() if len(v) >= 8}, key=len, reverse=True
        )
        # On stdout the stream holds the Kubernetes objects only; the helm target writes its
        # values files to --values-out.
        stream_values = self.folder / "stream-values"
        extra = ("--values-out", str(stream_values)) if self.target == "helm" else ()
        stream = self.harbor_edge(*extra)
        if stream.returncode != 0:
            raise Stop(f"harbor-edge render (stream) failed: {first_line(stream.stderr, self.redact)}")
        canonical = lambda docs: sorted(json.dumps(d, sort_keys=True, default=str) for d in docs)
        if canonical(documents(stream.stdout)) != canonical(bundle.objects):
            self.problems.append("the YAML stream and the --out folder hold different Kubernetes objects")
        if not all(is_object(doc) for doc in documents(stream.stdout)):
            self.problems.append("the YAML stream holds a document that is not a Kubernetes object")
        if self.target == "helm":
            streamed = Bundle(stream_values) if stream_values.is_dir() else None
            folder_values = sorted(p.read_text(encoding="utf-8") for p in bundle.values_files)
            if streamed is None or sorted(p.read_text(encoding="utf-8") for p in streamed.values_files) != folder_values:
                self.problems.append("--values-out and the --out folder hold different values files")
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

    def rerender_reusing(self, bundle):
        """Renders again with another seed and the first render's objects as --existing, and
        templates that: every credential must be reused, so harbor-edge's Secrets and the chart's
        Secrets and checksum annotations must come out exactly as the first time."""
        existing = self.folder / "existing.yaml"
        descriptor = os.open(existing, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            yaml.safe_dump_all(bundle.objects, handle, sort_keys=False)
        again_dir = self.folder / "reused"
        again = self.harbor_edge("--out", str(again_dir), "--existing", str(existing), seed=REUSE_SEED)
        if again.returncode != 0:
            raise Stop(f"harbor-edge render with --existing failed: {first_line(again.stderr, self.redact)}")
        reused = Bundle(again_dir)
        changed = sorted(
            f"{name}/{key}"
            for (name, key), value in bundle_secret_values(bundle).items()
            if bundle_secret_values(reused).get((name, key)) != value
        )
        if changed:
            self.problems.append(
                f"a render with --existing (another seed) changed harbor-edge's Secrets: {', '.join(changed)}"
            )
        flags = [arg for path in self.values_files(reused) for arg in ("-f", str(path))]
        templated = self.helm("template", RELEASE, self.context.chart, "-n", NAMESPACE, *flags)
        if templated.returncode != 0:
            raise Stop(f"helm template of the re-render failed: {first_line(templated.stderr, self.redact)}")
        return documents(templated.stdout)

    def run(self):
        try:
            bundle = self.render()
            chart, rerun = self.template(self.values_files(bundle))
            reused_chart = self.rerender_reusing(bundle)
        except Stop as stop:
            self.problems.append(str(stop))
            return
        assertions = ChartAssertions(chart, bundle, self.parameters)
        self.problems.extend(assertions.all())
        self.leftovers = leftovers(chart, rerun)
        for subject, item, why in differences(
            chart, reused_chart, "differs after a re-render that reuses the credentials"
        ):
            self.problems.append(f"{subject} {item} {why}")


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
    mode = "failures" if fail else "a report only (--report-leftovers-only)"
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
    parser.add_argument("--report-leftovers-only", dest="fail_on_leftovers", action="store_false",
                        help="print the secrets left to the chart without failing on them")
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
                try:
                    check.run()
                except Exception as error:  # a fault in this script fails the example, visibly
                    check.problems.append(f"the check itself broke: {type(error).__name__}: {error}")
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
