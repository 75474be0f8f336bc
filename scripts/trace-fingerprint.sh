#!/usr/bin/env bash
# Behaviour fingerprint: sha256 of every trace and report verdict for seeds 1..SEEDS x (clean + each
# fault) at OPS steps. An engine change that must not alter behaviour (a speed-up) must leave this
# output byte-identical: traces hold every step and every scheduling decision.
#   usage: scripts/trace-fingerprint.sh [SEEDS=8] [OPS=2000] [OUT=soak-out/fingerprint]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-8}; ops=${2:-2000}; out=${3:-soak-out/fingerprint}
mapfile -t faults < <(node bin/soak.mjs faults | grep -v '^ ' | awk '{print $1}')
faults+=(clean)
rm -rf "$out"
for f in "${faults[@]}"; do
  flag=""; [ "$f" = clean ] || flag="--fault $f"
  seq 1 "$seeds" | xargs -P 2 -I{} sh -c \
    "node bin/soak.mjs run --seed {} --ops $ops --no-ui --report json $flag --out $out/$f-{} > /dev/null 2>&1 || true"
done
for d in "$out"/*/; do
  n=$(basename "$d")
  v=$(node -e "const r=require(require('node:path').resolve('$d', 'report.json')); console.log(r.verdict, r.divergence ? r.divergence.kind + '@' + r.divergence.step : '')")
  echo "$n $(sha256sum < "$d/trace.ndjson" | cut -c1-16) $v"
done | sort
