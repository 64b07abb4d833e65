#!/usr/bin/env bash
# Refreshes the CRD schemas that `kubectl ozone lint` ships (generator/data/crds/): downloads
# the pinned upstream release files and keeps what lint needs (group, kind, openAPIV3Schema per
# version, descriptions removed) through `cargo run --example trim-crd`.
#
#   scripts/refresh-crds.sh              # download the pinned releases below
#   scripts/refresh-crds.sh --from DIR   # use upstream files already in DIR (same file names)
#
# To move to a new release: change the pins here, run the script, update the version table in
# generator/data/crds/README.md and README.md, and check `git diff generator/data/crds`.
# The test `embedded_crds_match_the_fixtures` compares the result with ../shared/fixtures/crds.
set -euo pipefail

PROMETHEUS_OPERATOR_VERSION=v0.93.0   # commit 6adcebc, 2026-08-08
CERT_MANAGER_REF=2d0d7f7              # commit of 2026-08-22

PROMETHEUS_OPERATOR_URL="https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/${PROMETHEUS_OPERATOR_VERSION}/example/prometheus-operator-crd"
CERT_MANAGER_URL="https://raw.githubusercontent.com/cert-manager/cert-manager/${CERT_MANAGER_REF}/deploy/crds"

# file (upstream name without .yaml) | base URL | source recorded in the embedded file
CRDS=(
  "monitoring.coreos.com_servicemonitors|${PROMETHEUS_OPERATOR_URL}|prometheus-operator ${PROMETHEUS_OPERATOR_VERSION} (6adcebc)"
  "monitoring.coreos.com_podmonitors|${PROMETHEUS_OPERATOR_URL}|prometheus-operator ${PROMETHEUS_OPERATOR_VERSION} (6adcebc)"
  "monitoring.coreos.com_prometheusrules|${PROMETHEUS_OPERATOR_URL}|prometheus-operator ${PROMETHEUS_OPERATOR_VERSION} (6adcebc)"
  "cert-manager.io_certificates|${CERT_MANAGER_URL}|cert-manager ${CERT_MANAGER_REF} (2026-08-22)"
  "cert-manager.io_issuers|${CERT_MANAGER_URL}|cert-manager ${CERT_MANAGER_REF} (2026-08-22)"
  "cert-manager.io_clusterissuers|${CERT_MANAGER_URL}|cert-manager ${CERT_MANAGER_REF} (2026-08-22)"
)

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/generator/data/crds"
from=""
if [[ "${1:-}" == "--from" ]]; then
  from="${2:?--from needs a directory}"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --quiet --manifest-path "$root/Cargo.toml" -p ozone-generator --example trim-crd
trim="$root/target/debug/examples/trim-crd"

for entry in "${CRDS[@]}"; do
  IFS='|' read -r name url source <<<"$entry"
  if [[ -n "$from" ]]; then
    cp "$from/$name.yaml" "$work/$name.yaml"
  else
    curl -fsSL "$url/$name.yaml" -o "$work/$name.yaml"
  fi
  "$trim" "$source" <"$work/$name.yaml" >"$work/$name.json"
  mv "$work/$name.json" "$out/$name.json"
  echo "$out/$name.json <- $source" >&2
done
