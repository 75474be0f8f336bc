import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioByName } from '../../scenarios/catalog.ts';
import { runSoak } from '../soak/runner.ts';
import { TRACE_FORMAT, TraceFormatError, TraceReadError, TraceWriter, loadTrace, parseTrace } from './trace.ts';

let dir: string;
let tracePath: string;
let text: string;
let lines: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'soak-trace-test-'));
  tracePath = join(dir, 'trace.ndjson');
  const r = await runSoak({
    seed: 11,
    scenario: scenarioByName('default'),
    ops: 60,
    readers: 1,
    faults: [],
    strategy: 'window',
    keepGoing: false,
    target: 'engine',
    tracePath,
  });
  expect(r.verdict).toBe('pass');
  text = readFileSync(tracePath, 'utf8');
  lines = text.split('\n').filter((l) => l !== '');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const header = (): Json => JSON.parse(lines[0]) as Json;
const stepAt = (i: number): Json => JSON.parse(lines[i]) as Json;
const join_ = (ls: string[]): string => ls.join('\n') + '\n';
/** The trace text with line `i` (0-based) replaced by `obj` (or a raw string). */
function withLine(i: number, obj: unknown): string {
  const copy = [...lines];
  copy[i] = typeof obj === 'string' ? obj : JSON.stringify(obj);
  return join_(copy);
}

function expectBadLine(t: string, line: number, pattern?: RegExp): TraceFormatError {
  let err: unknown;
  try {
    parseTrace(t);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TraceFormatError);
  const e = err as TraceFormatError;
  expect(e.line).toBe(line);
  expect(e.message).toMatch(new RegExp(`^trace line ${line}: `));
  if (pattern) expect(e.message).toMatch(pattern);
  return e;
}

/** Index (0-based line number) of the first step line whose op satisfies `pred`. */
function findStep(pred: (s: Json) => boolean): number {
  for (let i = 1; i < lines.length; i++) {
    const s = stepAt(i);
    if ('verdict' in s) break;
    if (pred(s)) return i;
  }
  throw new Error('no such step in the fixture trace');
}

describe('parseTrace accepts real traces', () => {
  it('loads a trace written by a real run: header, every step, the verdict', () => {
    const t = loadTrace(tracePath);
    expect(t.header.format).toBe(TRACE_FORMAT);
    expect(t.header.seed).toBe(11);
    expect(t.header.scenario).toBe('default');
    expect(t.header.scenarioSpec.vectors.length).toBeGreaterThan(0);
    expect(t.header.options).toMatchObject({ ops: 60, readers: 1, strategy: 'window', keepGoing: false });
    expect(t.header.faults).toEqual([]);
    expect(t.header.target).toBe('engine');
    expect(t.steps).toHaveLength(60);
    t.steps.forEach((s, i) => {
      expect(s.n).toBe(i);
      expect(typeof s.d).toBe('string');
    });
    expect(t.verdict).toEqual({ verdict: 'pass', steps: 60 });
    expect(lines).toHaveLength(62);
  });

  it('accepts a prefix without a verdict (an interrupted run)', () => {
    const t = parseTrace(join_(lines.slice(0, 11)));
    expect(t.steps).toHaveLength(10);
    expect(t.verdict).toBeUndefined();
  });

  it('accepts a header-only trace and a file without a trailing newline', () => {
    expect(parseTrace(lines[0]).steps).toEqual([]);
    expect(parseTrace(lines.join('\n')).steps).toHaveLength(60);
  });

  it('TraceWriter writes what parseTrace reads back', () => {
    const p = join(dir, 'written.ndjson');
    const w = new TraceWriter(p);
    const loaded = parseTrace(text);
    w.header(loaded.header);
    w.step(loaded.steps[0]);
    w.step(loaded.steps[1]);
    w.verdict({ verdict: 'divergence', steps: 2, divergence: { kind: 'ghost-point', step: 1 } });
    w.close();
    w.close(); // idempotent
    const back = loadTrace(p);
    expect(back.header).toEqual(loaded.header);
    expect(back.steps).toEqual(loaded.steps.slice(0, 2));
    expect(back.verdict).toEqual({ verdict: 'divergence', steps: 2, divergence: { kind: 'ghost-point', step: 1 } });
  });

  it('TraceWriter batches steps, but the file only ever holds whole lines: a prefix that loads', () => {
    const p = join(dir, 'batched.ndjson');
    const w = new TraceWriter(p);
    const loaded = parseTrace(text);
    w.header(loaded.header);
    expect(loadTrace(p).steps).toEqual([]); // the header is on disk at once
    w.step(loaded.steps[0]);
    expect(loadTrace(p).steps).toEqual([]); // a step waits for a flush...
    w.flush();
    expect(loadTrace(p).steps).toEqual(loaded.steps.slice(0, 1)); // ...and is there after it
    // Steps past the batch size reach the file unasked, cut at a line boundary.
    const big = { ...loaded.steps[1], d: 'x'.repeat(10_000) };
    for (let i = 0; i < 10; i++) w.step({ ...big, n: i + 1 });
    const partial = loadTrace(p);
    expect(partial.steps.length).toBeGreaterThan(1);
    expect(partial.steps.length).toBeLessThan(11);
    expect(partial.verdict).toBeUndefined();
    w.close();
    expect(loadTrace(p).steps).toHaveLength(11);
  });
});

describe('parseTrace names the first bad line', () => {
  it('empty file', () => {
    expectBadLine('', 1, /empty/);
    expectBadLine('\n', 1); // a lone newline: line 1 is named (as empty or not JSON)
  });

  it('non-JSON header', () => {
    expectBadLine(withLine(0, '{"format": "segment-soak/trace@1", '), 1, /not valid JSON/);
    expectBadLine(withLine(0, '[1,2,3]'), 1, /header is not a JSON object/);
  });

  it('wrong format string', () => {
    expectBadLine(withLine(0, { ...header(), format: 'segment-soak/trace@3' }), 1, /unknown format "segment-soak\/trace@3" \(expected "segment-soak\/trace@2" or "segment-soak\/trace@1"\)/);
    const { format: _f, ...noFormat } = header();
    expectBadLine(withLine(0, noFormat), 1, /unknown format/);
  });

  it('a scenario name that is not a name (it is printed in every summary)', () => {
    expect(parseTrace(withLine(0, { ...header(), scenario: 'my-own_1.2' })).header.scenario).toBe('my-own_1.2');
    for (const bad of ['def\u001b[31mault', '', 'a b', 'x'.repeat(65), 42]) {
      expectBadLine(withLine(0, { ...header(), scenario: bad }), 1, /header\.scenario must be a name/);
    }
  });

  it('header missing or malforming scenarioSpec', () => {
    const { scenarioSpec: _s, ...noSpec } = header();
    expectBadLine(withLine(0, noSpec), 1, /scenarioSpec/);
    expectBadLine(withLine(0, { ...header(), scenarioSpec: { ...header().scenarioSpec, vectors: 'dense' } }), 1, /scenarioSpec/);
    const vecs = header().scenarioSpec.vectors as Json[];
    const withVecs = (vectors: unknown): string => withLine(0, { ...header(), scenarioSpec: { ...header().scenarioSpec, vectors } });
    expectBadLine(withVecs(vecs.map((v, i) => (i === 0 ? { ...v, distance: 'Manhattan' } : v))), 1, /vectors\.dense\.distance "Manhattan" is not one of Cosine, Dot, Euclid/);
    expectBadLine(withVecs(vecs.map((v, i) => (i === 0 ? { ...v, size: 0 } : v))), 1, /vectors\.dense\.size must be an integer in 1\.\.65536/);
    expectBadLine(withVecs(vecs.map((v, i) => (i === 0 ? { ...v, size: 2 ** 40 } : v))), 1, /vectors\.dense\.size must be an integer in 1\.\.65536/);
    expectBadLine(withVecs([...vecs, vecs[0]]), 1, /distinct, non-empty names/);
    expectBadLine(withVecs([]), 1, /vectors is empty/);
  });

  it('other header fields', () => {
    expectBadLine(withLine(0, { ...header(), seed: 'x' }), 1, /seed/);
    expectBadLine(withLine(0, { ...header(), seed: 1.5 }), 1, /seed/);
    expectBadLine(withLine(0, { ...header(), options: { ...header().options, readers: -1 } }), 1, /options\.readers/);
    expectBadLine(withLine(0, { ...header(), options: { ...header().options, shards: 0 } }), 1, /options\.shards must be in 1\.\.26/);
    expectBadLine(withLine(0, { ...header(), options: { ...header().options, shards: 27 } }), 1, /options\.shards must be in 1\.\.26/);
    expectBadLine(withLine(0, { ...header(), options: { ...header().options, readers: 9 } }), 1, /options\.readers must be in 0\.\.8/);
    expectBadLine(withLine(0, { ...header(), seed: -1 }), 1, /seed must be a non-negative integer/);
    expectBadLine(withLine(0, { ...header(), faults: 'count-sums-segments' }), 1, /faults/);
    expectBadLine(withLine(0, { ...header(), faults: ['count-sums-segments', 'no-such-fault'] }), 1, /unknown fault 'no-such-fault'/);
    expect(parseTrace(withLine(0, { ...header(), faults: ['count-sums-segments'] })).header.faults).toEqual(['count-sums-segments']);
    expectBadLine(withLine(0, { ...header(), target: 7 }), 1, /target/);
  });

  it('optimizer settings the engine cannot be built with (a huge initial segment count was a memory bomb)', () => {
    const withOpt = (o: Record<string, unknown>) => withLine(0, { ...header(), scenarioSpec: { ...header().scenarioSpec, optimizer: { ...(header().scenarioSpec as { optimizer: object }).optimizer, ...o } } });
    expect(() => parseTrace(withOpt({ defaultSegmentNumber: 64 }))).not.toThrow();
    expectBadLine(withOpt({ defaultSegmentNumber: 1e8 }), 1, /optimizer\.defaultSegmentNumber must be an integer in 1\.\.64/);
    expectBadLine(withOpt({ defaultSegmentNumber: 0 }), 1, /defaultSegmentNumber/);
    expectBadLine(withOpt({ maxSegmentSizeKb: 0 }), 1, /optimizer\.maxSegmentSizeKb must be a number of at least 1/);
    expectBadLine(withOpt({ maxSegmentSizeKb: 0.01 }), 1, /maxSegmentSizeKb/); // grew ~1,770 segments a shard
    expect(() => parseTrace(withOpt({ maxSegmentSizeKb: 1 }))).not.toThrow();
    expectBadLine(withOpt({ indexingThresholdKb: -1 }), 1, /indexingThresholdKb/);
    expectBadLine(withOpt({ deletedThreshold: 1.5 }), 1, /deletedThreshold must be a number in \[0, 1\]/);
    expectBadLine(withOpt({ vacuumMinVectorNumber: 'x' }), 1, /vacuumMinVectorNumber/);
  });

  it('a line nested deeper than a replay can write back, and a binary line quoted printably', () => {
    let deep = '0';
    for (let k = 0; k < 200_000; k++) deep = `[${deep}`;
    deep += ']'.repeat(200_000);
    const text = JSON.stringify({ ...stepAt(5), extra: '@' }).replace('"@"', deep);
    expectBadLine(withLine(5, text), 6, /nests deeper than 400 levels/);
    const err = expectBadLine(withLine(5, '\u0000\u00ff\u0007garbage'), 6, /not valid JSON/);
    expect(err.message).toMatch(/^[\x20-\x7e]*$/);
  });

  it('a step line with bad JSON names its line', () => {
    const copy = [...lines];
    copy[5] = copy[5].slice(0, copy[5].length - 3); // truncated mid-object
    expectBadLine(join_(copy), 6, /not valid JSON/);
    expectBadLine(withLine(7, ''), 8, /not valid JSON/);
    expectBadLine(withLine(3, '"a string"'), 4, /not a JSON object/);
  });

  it('step numbers out of sequence', () => {
    expectBadLine(withLine(4, { ...stepAt(4), n: 4 }), 5, /step number 4 out of sequence \(expected 3\)/);
    // a repeated line
    const copy = [...lines];
    copy.splice(6, 0, copy[5]);
    expectBadLine(join_(copy), 7, /out of sequence/);
    // a dropped line
    const dropped = [...lines];
    dropped.splice(2, 1);
    expectBadLine(join_(dropped), 3, /step number 2 out of sequence \(expected 1\)/);
  });

  it('a decision string expanding past the scheduler\'s per-step limit (it was a fatal allocation)', () => {
    expectBadLine(withLine(9, { ...stepAt(9), d: 'r999999'.repeat(1000) }), 10, /holds more than 1000000 decisions/);
    expectBadLine(withLine(9, { ...stepAt(9), d: 'r1000001' }), 10, /holds more than 1000000 decisions/);
    expect(() => parseTrace(withLine(9, { ...stepAt(9), d: 'r999999' }))).not.toThrow();
  });

  it('a control op on a shard the run does not have', () => {
    const h = header() as { options: { shards: number } };
    const ctl = (shard: number) => ({ n: stepAt(9).n, t: 'control', op: { kind: 'snapshot', shard }, d: '' });
    expect(() => parseTrace(withLine(9, ctl(h.options.shards - 1)))).not.toThrow();
    expectBadLine(withLine(9, ctl(h.options.shards)), 10, /shard number below the run's \d+ shard/);
    expectBadLine(withLine(9, ctl(99)), 10, /shard number below/);
  });

  it('a bad decision string', () => {
    expectBadLine(withLine(9, { ...stepAt(9), d: '3u' }), 10, /decision string/);
    expectBadLine(withLine(9, { ...stepAt(9), d: 'u2?' }), 10, /decision string/);
    const { d: _d, ...noD } = stepAt(9);
    expectBadLine(withLine(9, noD), 10, /decision string/);
  });

  it('an op of unknown kind', () => {
    const i = findStep((s) => s.t === 'update' || s.t === 'overlap');
    expectBadLine(withLine(i, { ...stepAt(i), op: { ...stepAt(i).op, kind: 'frobnicate' } }), i + 1, /unknown update kind 'frobnicate'/);
    const r = findStep((s) => s.t === 'read');
    expectBadLine(withLine(r, { ...stepAt(r), op: { ...stepAt(r).op, kind: 'peek' } }), r + 1, /unknown read kind 'peek'/);
    expectBadLine(withLine(r, { ...stepAt(r), t: 'teleport' }), r + 1, /unknown step type "teleport"/);
  });

  it('an upsert vector of the wrong dimension', () => {
    const i = findStep((s) => (s.t === 'update' || s.t === 'overlap') && s.op.kind === 'upsert' && s.op.points.length > 0);
    const s = stepAt(i);
    const p0 = s.op.points[0];
    const name = Object.keys(p0.vectors)[0];
    const size = (header().scenarioSpec.vectors as { name: string; size: number }[]).find((v) => v.name === name)!.size;
    const bad = { ...s, op: { ...s.op, points: [{ ...p0, vectors: { ...p0.vectors, [name]: p0.vectors[name].slice(0, size - 1) } }, ...s.op.points.slice(1)] } };
    expectBadLine(withLine(i, bad), i + 1, new RegExp(`${name} must be ${size} numbers in \\[-2, 2\\]`));
    const unknownVec = { ...s, op: { ...s.op, points: [{ ...p0, vectors: { nosuch: [1, 2] } }] } };
    expectBadLine(withLine(i, unknownVec), i + 1, /unknown vector 'nosuch'/);
  });

  it('a payload nested deeper than Qdrant parses (the model would exhaust its stack)', () => {
    const i = findStep((s) => (s.t === 'update' || s.t === 'overlap') && s.op.kind === 'upsert' && s.op.points.length > 0);
    const s = stepAt(i);
    const nest = (levels: number): Json => {
      let v: Json = { leaf: 1 };
      for (let k = 1; k < levels; k++) v = (levels - k) % 2 === 1 ? { a: v } : ([v] as unknown as Json); // the outermost is an object
      return v;
    };
    const withPayload = (payload: Json) => ({ ...s, op: { ...s.op, points: [{ ...s.op.points[0], payload }, ...s.op.points.slice(1)] } });
    expect(() => parseTrace(withLine(i, withPayload(nest(128))))).not.toThrow();
    expectBadLine(withLine(i, withPayload(nest(129))), i + 1, /upsert point payload nests deeper than 128 levels/);
    expectBadLine(withLine(i, withPayload(nest(4000))), i + 1, /nests deeper than 400 levels/); // the whole line's cap comes first
    const u = findStep((x) => x.t === 'update');
    expectBadLine(withLine(u, { ...stepAt(u), op: { kind: 'setPayload', selector: { ids: [1] }, payload: nest(300) } }), u + 1, /setPayload\.payload nests deeper than 128 levels/);
  });

  it('a payload number beyond float64 (serde_json: "number out of range"; JSON.parse makes it an infinity)', () => {
    const i = findStep((s) => (s.t === 'update' || s.t === 'overlap') && s.op.kind === 'upsert' && s.op.points.length > 0);
    const s = stepAt(i);
    const withPayloadText = (text: string) =>
      JSON.stringify({ ...s, op: { ...s.op, points: [{ ...s.op.points[0], payload: { x: '@' } }, ...s.op.points.slice(1)] } }).replace('"@"', text);
    expect(() => parseTrace(withLine(i, withPayloadText('1.7e308')))).not.toThrow();
    expectBadLine(withLine(i, withPayloadText('1e400')), i + 1, /upsert point payload holds a number beyond the 64-bit float range/);
    expectBadLine(withLine(i, withPayloadText('{"a":[1,{"b":-1e999}]}')), i + 1, /beyond the 64-bit float range/);
    const u = findStep((x) => x.t === 'update');
    const setText = JSON.stringify({ ...stepAt(u), op: { kind: 'overwritePayload', selector: { ids: [1] }, payload: { x: '@' } } }).replace('"@"', '[2e308]');
    expectBadLine(withLine(u, setText), u + 1, /overwritePayload\.payload holds a number beyond the 64-bit float range/);
  });

  it('a vector component outside the range the checker can judge in float32 (huge, tiny, NaN-making)', () => {
    const i = findStep((s) => (s.t === 'update' || s.t === 'overlap') && s.op.kind === 'upsert' && s.op.points.length > 0);
    const s = stepAt(i);
    const p0 = s.op.points[0];
    const name = Object.keys(p0.vectors)[0];
    const withFirst = (x: number) => {
      const v = p0.vectors[name].map((c: number, j: number) => (j === 0 ? x : c));
      return { ...s, op: { ...s.op, points: [{ ...p0, vectors: { ...p0.vectors, [name]: v } }, ...s.op.points.slice(1)] } };
    };
    for (const bad of [1e200, 16777217, 2.5, -3, 1e-50, -1e-31]) {
      expectBadLine(withLine(i, withFirst(bad)), i + 1, new RegExp(`${name} must be \\d+ numbers in \\[-2, 2\\], each 0 or at least 1e-30`));
    }
    for (const ok of [2, -2, 0, -0, 1e-30, 0.5]) expect(() => parseTrace(withLine(i, withFirst(ok)))).not.toThrow();
    const r = findStep((x) => x.t === 'read');
    const search = { kind: 'search', vector: 'dense', query: [1e-50, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], limit: 5, exact: true };
    expectBadLine(withLine(r, { ...stepAt(r), op: search }), r + 1, /search\.query must be 8 numbers in \[-2, 2\]/);
    expectBadLine(withLine(r, { ...stepAt(r), op: { ...search, query: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], limit: 4294967297 } }), r + 1, /search\.limit must be an integer in 1\.\.100000/);
    expectBadLine(withLine(r, { ...stepAt(r), op: { kind: 'scroll', limit: 1e12 } }), r + 1, /scroll\.limit must be an integer in 1\.\.100000/);
  });

  it('a bad search query dimension and a bad id', () => {
    const i = findStep((s) => s.t === 'read');
    const search = { kind: 'search', vector: 'dense', query: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], limit: 5, exact: true };
    // the well-formed search is accepted, so the failure below is the dimension alone
    expect(parseTrace(withLine(i, { ...stepAt(i), op: search })).steps[i - 1].op).toEqual(search);
    expectBadLine(withLine(i, { ...stepAt(i), op: { ...search, query: [...search.query, 0.9] } }), i + 1, /search\.query must be 8 numbers in \[-2, 2\]/);
    expectBadLine(withLine(i, { ...stepAt(i), op: { ...search, limit: 0 } }), i + 1, /search\.limit/);
    const d = findStep((x) => x.t === 'update' && x.op.kind === 'upsert');
    const u = stepAt(d);
    expectBadLine(withLine(d, { ...u, op: { ...u.op, points: [{ ...u.op.points[0], id: -3 }] } }), d + 1, /valid id/);
  });

  it('an id in a spelling soak run never writes: another UUID form (Qdrant reads it as the same id, the model would not), or -0', () => {
    const i = findStep((s) => s.t === 'read');
    const retrieve = (ids: unknown[]): Json => ({ ...stepAt(i), op: { kind: 'retrieve', ids, withVectors: false } });
    const canonical = '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b';
    expect((parseTrace(withLine(i, retrieve([canonical, 0, 7]))).steps[i - 1].op as Json).ids).toEqual([canonical, 0, 7]);
    for (const bad of ['3F2B8C1E-9A4D-4E6F-8B7A-1C2D3E4F5A6B', '3f2b8c1e9a4d4e6f8b7a1c2d3e4f5a6b', '3f2b8c1e9a4d4e6f8b7a1c2d3e4f5a6b1234', '------------------------------------']) {
      expectBadLine(withLine(i, retrieve([bad])), i + 1, /retrieve\.ids has a bad id/);
    }
    // JSON.stringify writes -0 as 0: put it in the raw line.
    expectBadLine(withLine(i, JSON.stringify(retrieve([7])).replace('"ids":[7]', '"ids":[-0]')), i + 1, /bad id -?0/);
  });

  it('a malformed filter condition names what is wrong (it never reaches the model or the engine)', () => {
    const r = findStep((s) => s.t === 'read');
    const count = (filter: unknown): Json => ({ ...stepAt(r), op: { kind: 'count', filter } });
    const field = (cond: Json): Json => count({ must: [{ key: 'num', ...cond }] });
    // well-formed ones are accepted, so each failure below is its own defect
    for (const ok of [{ match: { value: 3 } }, { match: { any: ['a', 2] } }, { match: { except: [] } }, { range: {} }, { range: { gte: 1, lt: 2.5 } }, { values_count: { lte: 2 } }]) {
      expect(() => parseTrace(withLine(r, field(ok)))).not.toThrow();
    }
    expect(() => parseTrace(withLine(r, count({ min_should: { conditions: [], min_count: 0 } })))).not.toThrow();
    const bad: [Json, RegExp][] = [
      [{ match: true }, /field condition 'num': match must be \{value\}, \{any\} or \{except\}/],
      [{ match: { text: 'x' } }, /match must have exactly one of value\/any\/except \(got 'text'\)/],
      [{ match: { value: 1, any: [1] } }, /exactly one of value\/any\/except/],
      [{ match: {} }, /got none/],
      [{ match: { value: [1] } }, /value must be a string, a finite number or a boolean/],
      [{ match: { value: null } }, /value must be/],
      [{ match: { any: 'x' } }, /any must be a list of strings and finite numbers/],
      [{ match: { except: [null] } }, /except must be a list/],
      [{ range: { gte: 'x' } }, /range bound gte must be a finite number/],
      [{ range: { between: 1 } }, /range has an unknown bound 'between'/],
      [{ values_count: 2 }, /values_count must be an object of lt\/gt\/lte\/gte bounds/],
      [{ match: { value: 1 }, geo: {} }, /field condition 'num' has an unknown member 'geo'/],
    ];
    for (const [cond, pattern] of bad) expectBadLine(withLine(r, field(cond)), r + 1, pattern);
    expectBadLine(withLine(r, count({ min_should: { conditions: [], min_count: -1 } })), r + 1, /min_should must be/);
    expectBadLine(withLine(r, count({ min_should: { conditions: [], min_count: 1.5 } })), r + 1, /min_should must be/);
    expectBadLine(withLine(r, count({ should: null })), r + 1, /not an object/);
    // A condition of one kind carrying another kind's member (model and engine would each pick one).
    expectBadLine(withLine(r, count({ must: [{ has_id: [506], is_empty: { key: 'num' } }] })), r + 1, /a condition with has_id has other members \(is_empty\)/);
    expectBadLine(withLine(r, count({ must: [{ is_null: { key: 'b' }, has_vector: 'dense' }] })), r + 1, /a condition with is_null has other members \(has_vector\)/);
    expectBadLine(withLine(r, count({ must: [{ nested: { key: 'o', filter: {} }, must: [] }] })), r + 1, /a condition with nested has other members \(must\)/);
    expect(() => parseTrace(withLine(r, count({ must: [{ has_id: [506] }, { is_empty: { key: 'num' } }] })))).not.toThrow();
  });

  it('an overlap with more reads than the run had readers', () => {
    const i = findStep((s) => s.t === 'overlap');
    const s = stepAt(i);
    expectBadLine(withLine(i, { ...s, reads: [s.reads[0], s.reads[0]] }), i + 1, /2 reads but the run had 1 readers/);
  });

  it('a verdict line that is not last', () => {
    const copy = [...lines];
    copy.splice(4, 0, JSON.stringify({ verdict: 'pass', steps: 3 }));
    expectBadLine(join_(copy), 5, /verdict line before the end/);
  });

  it('an unknown verdict', () => {
    expectBadLine(withLine(lines.length - 1, { verdict: 'maybe', steps: 60 }), lines.length, /unknown verdict "maybe"/);
  });

  it.each([
    [{ verdict: 'pass', steps: '60\u001b[31m' }, /verdict field "steps" must be a whole number/],
    [{ verdict: 'pass' }, /verdict field "steps" must be a whole number/],
    [{ verdict: 'pass', steps: 60, message: { text: 'x' } }, /verdict field "message" must be a string/],
    [{ verdict: 'divergence', steps: 60, divergence: { kind: 'ghost-point', step: -1 } }, /verdict field "divergence" must be \{kind, step\}/],
    [{ verdict: 'divergence', steps: 60, divergence: 'ghost-point' }, /verdict field "divergence" must be \{kind, step\}/],
    [{ verdict: 'divergence', steps: 60, divergence: { kind: 'ghost\u001b[2J', step: 3 } }, /verdict field "divergence" must be \{kind, step\} with a divergence kind/],
    [{ verdict: 'pass', steps: 60, divergence: { kind: 'ghost-point', step: 3 } }, /a "pass" verdict has no divergence/],
    [{ verdict: 'error', steps: 60, failedStep: 12 }, /verdict field "failedStep" must be the last step of an "error" verdict/],
    [{ verdict: 'pass', steps: 60, failedStep: 59 }, /verdict field "failedStep" must be the last step of an "error" verdict/],
  ])('a verdict line %j that soak run cannot write (a replay reports it)', (line, pattern) => {
    expectBadLine(withLine(lines.length - 1, line), lines.length, pattern);
  });

  it('loadTrace of a missing file is a TraceReadError naming ENOENT crash', () => {
    expect(() => loadTrace(join(dir, "nope.ndjson"))).toThrow(TraceReadError);
    expect(() => loadTrace(join(dir, 'nope.ndjson'))).toThrow(/ENOENT/);
  });

  it('reports only the first bad line when several are bad', () => {
    const copy = [...lines];
    copy[3] = 'garbage';
    copy[8] = 'more garbage';
    expectBadLine(join_(copy), 4);
  });

  it('writes the fixture back unchanged (sanity of the helpers)', () => {
    writeFileSync(join(dir, 'copy.ndjson'), join_(lines));
    expect(readFileSync(join(dir, 'copy.ndjson'), 'utf8')).toBe(text);
  });
});
