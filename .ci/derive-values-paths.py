#!/usr/bin/env python3
"""Derive the chart's value key paths (dotted path, TAB, type of the default) from its values.yaml.

Usage: derive-values-paths.py CHART    (a packaged .tgz or an unpacked chart folder)
Prints one line per leaf of values.yaml in document order: a scalar, a list, an empty mapping.
"""

import pathlib
import sys
import tarfile

import yaml


def values_text(chart):
    path = pathlib.Path(chart)
    if path.is_dir():
        return (path / "values.yaml").read_text(encoding="utf-8")
    with tarfile.open(path) as archive:
        member = next(m for m in archive.getmembers() if m.name.count("/") == 1 and m.name.endswith("/values.yaml"))
        return archive.extractfile(member).read().decode("utf-8")


def leaves(value, prefix):
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from leaves(child, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, dict):
        yield prefix, "map"
    elif isinstance(value, list):
        yield prefix, "list"
    else:
        yield prefix, type(value).__name__


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    for path, kind in leaves(yaml.safe_load(values_text(sys.argv[1])), ""):
        print(f"{path}\t{kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
