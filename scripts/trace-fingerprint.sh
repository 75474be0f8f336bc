#!/usr/bin/env bash
# Behaviour fingerprint: sha256 of every trace and report verdict for seeds 1..SEEDS x (clean + each
# fault) at OPS steps. An engine change that must not alter behaviour (a speed-up) must leave this
# output byte-identical: traces hold every step and every scheduling decision.
#   usage: scripts/trace-fingerprint.sh [SEEDS=8] [OPS=2000] [OUT=soak-out/fingerprint]
# The default scenario with its own strategy, unless WIDE=1: then every scenario x every strategy
# (runs named SCENARIO-STRATEGY-FAULT-SEED; a fault a scenario cannot run, e.g. one needing readers
# on a scenario without, is listed as refused). JOBS=N runs N at once (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-8}; ops=${2:-2000}; out=${3:-soak-out/fingerprint}
jobs=${JOBS:-2}
mapfile -t faults < <(node bin/soak.mjs faults | grep -v '^ ' | awk '{print $1}')
faults+=(clean)
if [ "${WIDE:-0}" = 1 ]; then
  mapfile -t scenarios < <(node bin/soak.mjs scenarios | grep -v '^ ' | awk '{print $1}')
  strategies=(window random pct)
else
  scenarios=(default); strategies=(own)
fi
rm -rf "$out"
for sc in "${scenarios[@]}"; do
  for st in "${strategies[@]}"; do
    for f in "${faults[@]}"; do
      flag=""; [ "$f" = clean ] || flag="--fault $f"
      if [ "$st" = own ]; then name="$f"; extra=""; else name="$sc-$st-$f"; extra="--scenario $sc --strategy $st"; fi
      seq 1 "$seeds" | xargs -P "$jobs" -I{} sh -c \
        "node bin/soak.mjs run --seed {} --ops $ops --no-ui --report json $extra $flag --out $out/$name-{} > /dev/null 2>&1 || mkdir -p $out/$name-{}"
    done
  done
done
for d in "$out"/*/; do
  n=$(basename "$d")
  if [ ! -f "$d/report.json" ]; then echo "$n refused"; continue; fi
  v=$(node -e "const r=require(require('node:path').resolve('$d', 'report.json')); console.log(r.verdict, r.divergence ? r.divergence.kind + '@' + r.divergence.step : '')")
  echo "$n $(sha256sum < "$d/trace.ndjson" | cut -c1-16) $v"
done | sort
