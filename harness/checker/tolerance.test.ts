import { describe, expect, it } from 'vitest';
import { jsonEqual } from './common.ts';
import { DIVERGENCE_KINDS, isDivergenceKind } from './divergence.ts';
import { namedVectorsEqual, scoresEqual, strictlyBetter, vectorsEqual } from './tolerance.ts';

describe('tolerance', () => {
  it('scores: absolute 1e-4 below magnitude 1, relative above', () => {
    expect(scoresEqual(0.5, 0.5 + 9e-5)).toBe(true);
    expect(scoresEqual(0.5, 0.5 + 2e-4)).toBe(false);
    expect(scoresEqual(1000, 1000.09)).toBe(true);
    expect(scoresEqual(1000, 1000.2)).toBe(false);
    expect(scoresEqual(0, -5e-5)).toBe(true);
    expect(scoresEqual(NaN, NaN)).toBe(false);
    expect(scoresEqual(Infinity, Infinity)).toBe(true);
    expect(scoresEqual(Infinity, 1e308)).toBe(false);
  });

  it('strictlyBetter respects direction and tolerance', () => {
    expect(strictlyBetter('Dot', 0.9, 0.5)).toBe(true);
    expect(strictlyBetter('Dot', 0.5, 0.9)).toBe(false);
    expect(strictlyBetter('Euclid', 0.5, 0.9)).toBe(true);
    expect(strictlyBetter('Cosine', 0.50005, 0.5)).toBe(false);
  });

  it('vectors element-wise', () => {
    expect(vectorsEqual([1, 2], [1 + 1e-6, 2 - 1e-6])).toBe(true);
    expect(vectorsEqual([1, 2], [1.01, 2])).toBe(false);
    expect(vectorsEqual([1, 2], [1, 2, 0])).toBe(false);
    expect(namedVectorsEqual({ a: [1], b: [2] }, { b: [2], a: [1] })).toBe(true);
    expect(namedVectorsEqual({ a: [1] }, { a: [1], b: [2] })).toBe(false);
    expect(namedVectorsEqual(undefined, {})).toBe(true);
    expect(namedVectorsEqual(undefined, { a: [1] })).toBe(false);
  });

  it('jsonEqual ignores key order, not array order', () => {
    expect(jsonEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: '1' }, { a: 1 })).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
  });

  it('lists every divergence kind once', () => {
    expect(new Set(DIVERGENCE_KINDS).size).toBe(12);
    expect(isDivergenceKind('hang')).toBe(true);
    expect(isDivergenceKind('nope')).toBe(false);
  });
});
