// How fast could a columnar engine read? Flat typed arrays over ~1,200 points (dim 8): top-10
// search, range-filtered search, range count, each per call on one core. A floor for the redesign
// NOTES.md sketches ("What 50,000 ops/s on one core would take"), not a measure of the engine.
//   usage: taskset -c 0 node scripts/columnar-floor.mjs
const N = 1200, D = 8, K = 10;
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32); // fixed LCG: same data every run
const data = new Float32Array(N * D).map(() => rand() * 2 - 1);
const live = new Uint8Array(N).fill(1);
for (let i = 0; i < N; i += 7) live[i] = 0; // some tombstones
const num = new Float64Array(N).map(() => Math.floor(rand() * 20)); // a payload column
const q = new Float32Array(D).map(() => rand());
const topS = new Float64Array(K);
const topO = new Int32Array(K);

function search(filtered) {
  let n = 0;
  for (let off = 0; off < N; off++) {
    if (!live[off]) continue;
    if (filtered && !(num[off] >= 5 && num[off] < 9)) continue;
    const b = off * D;
    const s = data[b] * q[0] + data[b + 1] * q[1] + data[b + 2] * q[2] + data[b + 3] * q[3] +
      data[b + 4] * q[4] + data[b + 5] * q[5] + data[b + 6] * q[6] + data[b + 7] * q[7];
    if (n === K && s <= topS[K - 1]) continue;
    let i = n < K ? n++ : K - 1;
    while (i > 0 && s > topS[i - 1]) {
      topS[i] = topS[i - 1];
      topO[i] = topO[i - 1];
      i--;
    }
    topS[i] = s;
    topO[i] = off;
  }
  return n;
}

function count() {
  let c = 0;
  for (let off = 0; off < N; off++) if (live[off] && num[off] >= 5 && num[off] < 9) c++;
  return c;
}

for (const [name, f] of [['search', () => search(false)], ['search + range', () => search(true)], ['count range', count]]) {
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink += f(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < 100_000; i++) sink += f();
  console.log(`${name.padEnd(15)} ${(((performance.now() - t0) / 100_000) * 1000).toFixed(2)} µs per call (checksum ${sink})`);
}
