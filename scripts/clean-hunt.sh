#!/usr/bin/env bash
# Clean-engine hunt: every scenario x strategy (window, random, pct) x seeds FROM..TO, OPS steps each,
# no fault, on 2 workers. Prints one line per run that did not pass (with the replay command), then
# the tally; exits 1 if any run diverged or failed. Until `soak sweep` exists, this is how the
# README's hunts are run. Extra arguments go to every `soak run` (e.g. --shards 3 --readers 3).
#   usage: scripts/clean-hunt.sh FROM TO [OPS=8000] [OUT=soak-out/hunt] [-- SOAK-ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/clean-hunt.sh FROM TO [OPS=8000] [OUT=soak-out/hunt] [-- SOAK-ARGS...]"
[ $# -ge 2 ] || { echo "clean-hunt: $usage" >&2; exit 2; }
from=$1; to=$2; shift 2
ops=8000; out=soak-out/hunt
if [ $# -gt 0 ] && [ "$1" != -- ]; then ops=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" != -- ]; then out=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" = -- ]; then shift; fi
for n in "$from" "$to" "$ops"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "clean-hunt: FROM, TO and OPS are whole numbers; $usage" >&2; exit 2; }
done
[ "$from" -le "$to" ] || { echo "clean-hunt: FROM must not exceed TO; $usage" >&2; exit 2; }
mapfile -t scenarios < <(node bin/soak.mjs scenarios | grep -v '^ ' | awk '{print $1}')
extra="$*"
rm -rf "$out"
mkdir -p "$out"
for sc in "${scenarios[@]}"; do
  for st in window random pct; do
    for s in $(seq "$from" "$to"); do echo "$sc $st $s"; done
  done
done | xargs -P 2 -L 1 sh -c \
  "node bin/soak.mjs run --scenario \$0 --strategy \$1 --seed \$2 --ops $ops --no-ui --report json --out $out/\$0-\$1-\$2 $extra > $out/\$0-\$1-\$2.json 2> $out/\$0-\$1-\$2.err || true"
node --input-type=module -e "
import { readFileSync, readdirSync } from 'node:fs';
const out = process.argv[1];
const tally = {};
for (const f of readdirSync(out).filter((f) => f.endsWith('.json')).sort()) {
  let verdict = 'no-report';
  let r;
  try { r = JSON.parse(readFileSync(out + '/' + f, 'utf8')); verdict = r.interrupted ? 'interrupted' : r.verdict; } catch {}
  tally[verdict] = (tally[verdict] ?? 0) + 1;
  if (verdict !== 'pass') {
    const d = r?.divergence;
    console.log(f.replace(/\.json$/, '') + ' ' + verdict + (d ? ' ' + d.kind + ' at step ' + d.step : '') + '  replay: npx soak replay ' + out + '/' + f.replace(/\.json$/, '') + '/trace.ndjson');
  }
}
console.log(Object.entries(tally).map(([k, v]) => k + ' ' + v).join(', '));
process.exitCode = Object.keys(tally).every((k) => k === 'pass') ? 0 : 1;
" "$out"
