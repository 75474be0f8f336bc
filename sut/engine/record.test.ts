import { describe, expect, it } from 'vitest';
import type { Payload } from '../../model/types.ts';
import { mutatePayload } from './record.ts';

describe('mutatePayload', () => {
  it('never edits the stored payload (reads share it) and keeps the spread key order', () => {
    const stored: Payload = { a: 1, b: { x: [1, 2] }, c: 'z' };
    const snapshot = JSON.stringify(stored);
    const set = mutatePayload(stored, { kind: 'setPayload', payload: { b: null, d: [3], a: 2 } });
    expect(Object.keys(set)).toEqual(['a', 'c', 'd']);
    expect(set).toEqual({ a: 2, c: 'z', d: [3] });
    const del = mutatePayload(stored, { kind: 'deletePayloadKeys', keys: ['b', 'nope'] });
    expect(del).toEqual({ a: 1, c: 'z' });
    expect(mutatePayload(stored, { kind: 'clearPayload' })).toEqual({});
    expect(JSON.stringify(stored)).toBe(snapshot);
  });

  it('copies what it stores, so the caller may reuse its op objects', () => {
    const op = { kind: 'setPayload' as const, payload: { arr: [1, { y: 2 }] } };
    const out = mutatePayload({}, op);
    (op.payload.arr[1] as { y: number }).y = 99;
    expect(out).toEqual({ arr: [1, { y: 2 }] });
  });
});
