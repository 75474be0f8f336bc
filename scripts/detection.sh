#!/usr/bin/env bash
# Detection matrix: for each fault (and the clean engine) run `soak run --seed S --ops OPS --fault F`
# for seeds 1..SEEDS on 2 workers, then print seeds detected, the median step of detection, and
# whether every detection's kind is one of the fault's catalogued symptoms. Until `soak bench` exists,
# this is how the README's detection table is measured.
#   usage: [SCENARIO=default] scripts/detection.sh [SEEDS=20] [OPS=5000] [OUT=soak-out/detection] [FAULT...]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-20}; ops=${2:-5000}; out=${3:-soak-out/detection}; shift $(( $# < 3 ? $# : 3 )) || true
faults=("$@")
if [ ${#faults[@]} -eq 0 ]; then
  mapfile -t faults < <(node bin/soak.mjs faults | grep -v '^ ' | awk '{print $1}')
  faults+=(clean)
fi
scenario=${SCENARIO:-default}
known=$(node bin/soak.mjs scenarios | awk '!/^ /{print $1}')
grep -qx -- "$scenario" <<< "$known" || { echo "detection: unknown scenario '$scenario' (see soak scenarios)" >&2; exit 2; }
for f in "${faults[@]}"; do
  flag=""; [ "$f" = clean ] || flag="--fault $f"
  seq 1 "$seeds" | xargs -P 2 -I{} sh -c \
    "node bin/soak.mjs run --scenario $scenario --seed {} --ops $ops --no-ui --report json $flag --out $out/$f-{} > /dev/null 2>&1 || true"
done
node --input-type=module -e "
import { readFileSync, existsSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';
const { FAULTS } = await tsImport('./sut/faults.ts', import.meta.url);
const [seeds, out, ...names] = process.argv.slice(1);
for (const name of names) {
  const symptoms = FAULTS.find((f) => f.name === name)?.symptoms;
  const steps = []; const off = [];
  for (let s = 1; s <= Number(seeds); s++) {
    const p = out + '/' + name + '-' + s + '/report.json';
    if (!existsSync(p)) continue;
    const d = JSON.parse(readFileSync(p, 'utf8')).divergence;
    if (!d) continue;
    steps.push(d.step);
    if (symptoms && !symptoms.includes(d.kind)) off.push(s + ':' + d.kind);
  }
  steps.sort((a, b) => a - b);
  const m = steps.length ? (steps.length % 2 ? steps[(steps.length - 1) / 2] : (steps[steps.length / 2 - 1] + steps[steps.length / 2]) / 2) : '-';
  console.log(name.padEnd(30) + ' ' + String(steps.length).padStart(2) + '/' + seeds + '  median step ' + m + (off.length ? '  OFF-SYMPTOM ' + off.join(' ') : ''));
}
" "$seeds" "$out" "${faults[@]}"
