#!/usr/bin/env python3
"""Check that every key path of Helm values files exists in the chart's values.

Usage: check-values-keys.py VALUES_FILE... --reference TSV

A VALUES_FILE is either a plain values file (values.yaml) or a YAML stream holding k3s
HelmChart objects, whose spec.valuesContent is checked. The reference TSV lists the chart's
values as `dotted.path<TAB>type`. A key path is a path to a leaf: a scalar, a list, an empty
mapping, a mapping the reference types as `map`, or anything under `annotations` or `labels`.
Exits 1 listing every unknown path, 2 on unreadable input. Needs PyYAML.
"""

import argparse
import sys

import yaml


def read_reference(path):
    paths = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            key, _, kind = line.partition("\t")
            paths[key] = kind
    return paths


def key_paths(value, prefix, reference):
    last = prefix.rsplit(".", 1)[-1]
    leaf_map = reference.get(prefix) == "map" or last in ("annotations", "labels")
    if isinstance(value, dict) and value and not leaf_map:
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield from key_paths(child, path, reference)
    else:
        yield prefix


def values_documents(path):
    """(label, values) for each values document in the file."""
    with open(path, encoding="utf-8") as handle:
        documents = [d for d in yaml.safe_load_all(handle) if d is not None]
    for index, document in enumerate(documents):
        if not isinstance(document, dict):
            raise ValueError(f"document {index + 1} is not a mapping")
        if document.get("kind") == "HelmChart":
            content = (document.get("spec") or {}).get("valuesContent")
            if content:
                name = (document.get("metadata") or {}).get("name")
                yield f"{path} (HelmChart {name} valuesContent)", yaml.safe_load(content) or {}
        elif "apiVersion" not in document:
            yield path, document


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", metavar="VALUES_FILE")
    parser.add_argument("--reference", required=True, metavar="TSV")
    args = parser.parse_args()

    try:
        reference = read_reference(args.reference)
    except OSError as error:
        print(f"check-values-keys: {error}", file=sys.stderr)
        return 2

    unknown = 0
    checked = 0
    for path in args.files:
        try:
            documents = list(values_documents(path))
        except (OSError, ValueError, yaml.YAMLError) as error:
            print(f"check-values-keys: {path}: {error}", file=sys.stderr)
            return 2
        if not documents:
            print(f"check-values-keys: {path}: no Helm values found", file=sys.stderr)
            return 2
        for label, values in documents:
            paths = sorted(set(key_paths(values, "", reference)))
            missing = [p for p in paths if p not in reference]
            checked += 1
            for p in missing:
                print(f"{label}: `{p}` is not a value of the chart")
            unknown += len(missing)
            if not missing:
                print(f"ok: {label}: {len(paths)} key paths, all in the chart")
    if unknown:
        print(f"check-values-keys: {unknown} unknown key path(s)", file=sys.stderr)
        return 1
    print(f"check-values-keys: {checked} values document(s) ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
