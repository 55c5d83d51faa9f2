#!/usr/bin/env bash
# Render deploy/k8s exactly as `kubectl apply -k deploy/k8s` would (no load-restrictor flag) and
# validate every object, strictly (unknown fields are errors), against the Kubernetes OpenAPI
# schemas of the oldest and newest versions we support, with `kubernetes-validate` (PyPI, in a
# venv under target/). Also validates the Secret's example. ~2 s once the venv exists.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/k8s-validate/venv
KV=kubernetes-validate==1.37.0
VERSIONS="1.30 1.37"
if [ ! -x "$VENV/bin/kubernetes-validate" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "$KV"
fi
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
if command -v kubectl >/dev/null 2>&1; then
    kubectl kustomize deploy/k8s >"$OUT/rendered.yaml"
elif command -v kustomize >/dev/null 2>&1; then
    kustomize build deploy/k8s >"$OUT/rendered.yaml"
else
    echo "k8s-validate: neither kubectl nor kustomize is installed (.ci/run installs kustomize)" >&2
    exit 1
fi
echo "k8s-validate: rendered $(grep -c '^kind:' "$OUT/rendered.yaml") objects from deploy/k8s"
for v in $VERSIONS; do
    "$VENV/bin/kubernetes-validate" --strict --quiet -k "$v" \
        "$OUT/rendered.yaml" deploy/k8s/secret.example.yaml
done
echo "k8s-validate: ok against Kubernetes $VERSIONS (strict)"
