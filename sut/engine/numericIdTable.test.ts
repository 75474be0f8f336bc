import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NumericIdTable } from './numericIdTable.ts';

describe('NumericIdTable', () => {
  it('behaves like a Map<number, number> across resets, growth and large ids', () => {
    const id = fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
    const op = fc.oneof(
      fc.record({ t: fc.constant('set' as const), id, v: fc.integer({ min: 0, max: 1000 }) }),
      fc.record({ t: fc.constant('add' as const), id }),
      fc.record({ t: fc.constant('get' as const), id }),
      fc.record({ t: fc.constant('reset' as const), n: fc.integer({ min: 0, max: 2000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
        const table = new NumericIdTable();
        const ref = new Map<number, number>();
        table.reset(0);
        for (const o of ops) {
          if (o.t === 'set') expect(table.set(o.id, o.v)).toBe(!ref.has(o.id)), ref.set(o.id, o.v);
          else if (o.t === 'add') {
            expect(table.add(o.id)).toBe(!ref.has(o.id));
            if (!ref.has(o.id)) ref.set(o.id, 0);
          } else if (o.t === 'get') expect(table.get(o.id)).toBe(ref.get(o.id) ?? -1);
          else {
            table.reset(o.n);
            ref.clear();
          }
          expect(table.size).toBe(ref.size);
        }
        for (const [k, v] of ref) expect(table.get(k)).toBe(v);
      }),
      { numRuns: 150, seed: 11 },
    );
  });

  it('keeps every entry when it grows far past the size it was reset for', () => {
    const t = new NumericIdTable();
    t.reset(4);
    for (let i = 0; i < 5000; i++) t.set(i * 7919, i);
    expect(t.size).toBe(5000);
    for (let i = 0; i < 5000; i++) expect(t.get(i * 7919)).toBe(i);
    expect(t.get(3)).toBe(-1);
  });
});
