#!/usr/bin/env bash
# Engine speed of several commits, compared in alternation on one core. This machine's speed drifts
# by tens of percent over minutes, so two figures taken minutes apart compare nothing: each round
# runs every commit once (a fresh engine, a warm-up window and three measured windows of OPS ops,
# all driven by this tree's sut/engine/bench.ts); the pooled window rates per commit are printed
# sorted, with their median. Compare the medians; noise only ever slows a run down.
#   usage: scripts/bench-ab.sh ROUNDS OPS REV [REV...]      (REV: any git revision; WORKTREE = the working tree)
#   e.g.   scripts/bench-ab.sh 6 20000 HEAD~3 HEAD WORKTREE
#   BENCH_CPU=1 runs the benches on core 1 (default 0), e.g. beside other work on core 0.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/bench-ab.sh ROUNDS OPS REV [REV...]"
[ $# -ge 3 ] || { echo "bench-ab: $usage" >&2; exit 2; }
rounds=$1; ops=$2; shift 2
cpu=${BENCH_CPU:-0}
[[ "$cpu" =~ ^[0-9]+$ ]] || { echo "bench-ab: BENCH_CPU is a core number" >&2; exit 2; }
[[ "$rounds" =~ ^[1-9][0-9]*$ && "$ops" =~ ^[1-9][0-9]*$ ]] || { echo "bench-ab: ROUNDS and OPS are positive whole numbers; $usage" >&2; exit 2; }
work=$(mktemp -d)
trap 'for d in "$work"/tree-*; do [ -d "$d" ] && git worktree remove --force "$d" >/dev/null 2>&1 || true; done; rm -rf "$work"; rm -f bench-ab-entry.ts sut/engine/bench-ab-driver.ts' EXIT
# Every revision is driven by this tree's bench driver, so only the engine differs.
cp sut/engine/bench.ts "$work/driver.ts"
i=0
for rev in "$@"; do
  i=$((i + 1))
  if [ "$rev" = WORKTREE ]; then src=.; else
    src="$work/tree-$i"
    git worktree add --detach "$src" "$rev" >/dev/null 2>&1 || { echo "bench-ab: unknown revision $rev" >&2; exit 2; }
  fi
  cp "$work/driver.ts" "$src/sut/engine/bench-ab-driver.ts"
  cat > "$src/bench-ab-entry.ts" <<'EOT'
import { benchEngine } from './sut/engine/bench-ab-driver.ts';
const r = await benchEngine(Number(process.argv[2]), 3);
console.log(r.rates.join(' '));
EOT
  node_modules/.bin/esbuild "$src/bench-ab-entry.ts" --bundle --platform=node --format=esm \
    --outfile="$work/bench-$i.mjs" --log-level=error --packages=external
  rm "$src/bench-ab-entry.ts" "$src/sut/engine/bench-ab-driver.ts"
done
declare -A res
for r in $(seq 1 "$rounds"); do
  for j in $(seq 1 $#); do
    res[$j]="${res[$j]:-} $(NO_BENCH_MAIN=1 taskset -c "$cpu" node "$work/bench-$j.mjs" "$ops")"
  done
done
j=0
for rev in "$@"; do
  j=$((j + 1))
  sorted=$(echo ${res[$j]} | tr ' ' '\n' | sort -n | tr '\n' ' ')
  n=$(echo $sorted | wc -w)
  median=$(echo $sorted | cut -d' ' -f$(( (n + 1) / 2 )))
  echo "$rev: median $median; $sorted(ops/s, core $cpu, sorted)"
done
