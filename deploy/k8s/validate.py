#!/usr/bin/env python3
"""Build every overlay with kustomize and validate every resource offline against its schema.

Nothing is fetched at run time: kustomize is `go install`ed once at a pinned
version into ${XDG_CACHE_HOME:-~/.cache}/shared-audits/k8s-tools/; the Kubernetes
schemas (strict: unknown fields fail) ship in the kubernetes-validate package
(installed in the project's .venv from requirements-dev.txt); the Strimzi custom
resources' schemas are committed under deploy/k8s/schemas/<group>/<kind>_<version>.json.
(kubeconform cannot read kubernetes-validate's schemas, whose $refs point into a
shared definitions file, so the validation runs here with the same jsonschema.)
Usage: .venv/bin/python deploy/k8s/validate.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shared-audits" / "k8s-tools"
KUBERNETES_VERSION = "1.33.0"  # the oldest Kubernetes the manifests must fit
TOOLS = {"kustomize": ("sigs.k8s.io/kustomize/kustomize/v5", "v5.8.0")}
OVERLAYS = sorted(path.parent for path in (HERE / "overlays").glob("*/kustomization.yaml"))


def tool(name: str) -> Path:
    """The pinned tool, installed with `go install` into the cache the first time."""
    module, version = TOOLS[name]
    directory = CACHE / f"{name}-{version}"
    binary = directory / name
    if not binary.exists():
        print(f"[k8s] installing {name} {version} (once, cached in {directory})", flush=True)
        with tempfile.TemporaryDirectory() as work:
            subprocess.run(
                ["go", "install", f"{module}@{version}"],
                check=True, cwd=work, env={**os.environ, "GOBIN": str(directory)},
            )
    return binary


def problems_of(resource: dict) -> str | None:
    """Why a resource does not match its schema, or None when it does."""
    group, _, version = resource["apiVersion"].rpartition("/")
    custom = HERE / "schemas" / group / f"{resource['kind'].lower()}_{version}.json" if group else None
    try:
        if custom is not None and (HERE / "schemas" / group).is_dir():
            if not custom.exists():
                return f"no committed schema {custom.relative_to(HERE)}"
            jsonschema.validate(resource, json.loads(custom.read_text()))
        else:
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    except jsonschema.ValidationError as error:
        return f"{error.json_path}: {error.message}"
    except kubernetes_validate.ValidationError as error:
        return f"{error.caught.json_path}: {error.caught.message}"
    except kubernetes_validate.SchemaNotFoundError as error:
        return str(error)
    return None


def build(kustomization: Path) -> list[dict]:
    """The resources `kustomize build` makes of a folder (an overlay, the base or one service's unit)."""
    built = subprocess.run([str(tool("kustomize")), "build", str(kustomization)], capture_output=True, text=True, check=True)
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc]


def main() -> int:
    tool("kustomize")
    if not OVERLAYS:
        print("[k8s] no overlay found")
        return 1
    failed = 0
    for overlay in OVERLAYS:
        name = overlay.relative_to(HERE)
        try:
            resources = build(overlay)
        except subprocess.CalledProcessError as error:
            print(f"[k8s] {name}: kustomize build failed\n{error.stderr}")
            failed += 1
            continue
        invalid = 0
        for resource in resources:
            problem = problems_of(resource)
            if problem:
                invalid += 1
                print(f"[k8s] {name}: {resource['kind']} {resource['metadata']['name']}: {problem}")
        kinds = len({resource["kind"] for resource in resources})
        print(f"[k8s] {name}: {len(resources)} resources of {kinds} kinds, {invalid} invalid")
        failed += invalid
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
