#!/usr/bin/env bash
# Benchmark of `kubectl ozone operator run` at scale, on the test control plane
# (../shared/harness, or any cluster in $KUBECONFIG with the exec handler in place):
# N small clusters (default 20), one per namespace, from OzoneCluster resources; prints
#   - the time until every one is Ready,
#   - the operator's resident memory (VmRSS, VmHWM) once they are settled,
#   - a no-op pass's latency (mean, from the operator's own histogram, over the passes of
#     one settled period) and the API writes in that period (should be 0).
# Not a test: the figures depend on the machine. Usage:
#   KUBECONFIG=$(HARNESS_EXEC=$PWD/kubectl-ozone/tests/e2e/fake_ozone.py ../shared/harness/up) \
#     scripts/bench-operator.sh [N] [SETTLED_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
settled=${2:-60}
bin=${KUBECTL_OZONE_BIN:-target/release/kubectl-ozone}
[[ -x $bin ]] || { echo "build it first: cargo build --release -p kubectl-ozone (or set KUBECTL_OZONE_BIN)" >&2; exit 2; }
prefix=${BENCH_PREFIX:-bench-op}
port=18089

"$bin" operator crd | kubectl apply --server-side -f - >/dev/null
kubectl wait --for=condition=Established crd/ozoneclusters.ozone.apache.org >/dev/null

cleanup() {
  [[ -n ${op:-} ]] && kill "$op" 2>/dev/null || true
  for i in $(seq 1 "$n"); do kubectl delete namespace "$prefix-$i" --wait=false >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

for i in $(seq 1 "$n"); do
  kubectl create namespace "$prefix-$i" >/dev/null
  kubectl apply --server-side -f - >/dev/null <<EOF
apiVersion: ozone.apache.org/v1alpha1
kind: OzoneCluster
metadata: {name: ozone, namespace: $prefix-$i}
spec:
  profile: small
  monitoring: {serviceMonitors: false}
EOF
done

start=$(date +%s.%N)
"$bin" operator run --metrics-port "$port" --health-port 0 --resync-interval 10s 2>/tmp/bench-operator.log &
op=$!

metric() { curl -s "localhost:$port/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
until [[ $(curl -s "localhost:$port/metrics" >/dev/null && echo up) == up ]]; do sleep 0.5; done

while :; do
  ready=$(kubectl get ozoneclusters -A -o jsonpath='{range .items[*]}{.metadata.namespace} {.status.phase}{"\n"}{end}' \
    | awk -v p="$prefix-" 'index($1, p) == 1 && $2 == "Ready"' | wc -l)
  [[ $ready -ge $n ]] && break
  sleep 1
done
ready_s=$(echo "$(date +%s.%N) - $start" | bc)

# Let the last status changes land, then measure one settled period.
sleep 15
c0=$(metric ozone_operator_reconcile_duration_seconds_count); s0=$(metric ozone_operator_reconcile_duration_seconds_sum)
w0=$(metric ozone_operator_api_writes_total)
sleep "$settled"
c1=$(metric ozone_operator_reconcile_duration_seconds_count); s1=$(metric ozone_operator_reconcile_duration_seconds_sum)
w1=$(metric ozone_operator_api_writes_total)
rss=$(awk '/VmRSS/ {print $2, $3}' "/proc/$op/status"); hwm=$(awk '/VmHWM/ {print $2, $3}' "/proc/$op/status")

passes=$(echo "$c1 - $c0" | bc)
mean_ms=$( [[ $passes != 0 ]] && echo "scale=1; ($s1 - $s0) * 1000 / $passes" | bc || echo "n/a")
echo "clusters:                 $n"
echo "all Ready after:          ${ready_s} s"
echo "operator memory:          VmRSS $rss, peak VmHWM $hwm"
echo "settled period:           ${settled} s, $passes passes (resync every 10 s)"
echo "no-op pass, mean:         $mean_ms ms"
echo "API writes in the period: $(echo "$w1 - $w0" | bc)"
