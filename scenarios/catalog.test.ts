import { describe, expect, it } from 'vitest';
import { SCENARIOS, UnknownScenarioError, scenarioByName } from './catalog.ts';

describe('scenario catalog', () => {
  it('has unique names and a one-line description each', () => {
    const names = SCENARIOS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of ['default', 'proxy-race', 'payload-churn', 'delete-heavy', 'single-shard', 'snapshot-race']) expect(names).toContain(n);
    for (const s of SCENARIOS) {
      expect(s.description.length).toBeGreaterThan(0);
      expect(s.description).not.toContain('\n');
    }
  });

  it('finds scenarios by name and rejects unknown ones with the known names', () => {
    expect(scenarioByName('default').name).toBe('default');
    expect(() => scenarioByName('nope')).toThrow(UnknownScenarioError);
    try {
      scenarioByName('nope');
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownScenarioError);
      for (const s of SCENARIOS) expect((e as Error).message).toContain(s.name);
    }
  });

  it('gives every scenario >= 2 vector names with different distances', () => {
    for (const s of SCENARIOS) {
      expect(new Set(s.vectors.map((v) => v.name)).size).toBe(s.vectors.length);
      expect(s.vectors.length).toBeGreaterThanOrEqual(2);
      expect(new Set(s.vectors.map((v) => v.distance)).size).toBeGreaterThanOrEqual(2);
    }
  });

  it('has sane numbers', () => {
    for (const s of SCENARIOS) {
      expect(s.shards).toBeGreaterThanOrEqual(1);
      expect(s.idPool).toBeGreaterThan(0);
      expect(s.uuidShare).toBeGreaterThanOrEqual(0);
      expect(s.uuidShare).toBeLessThanOrEqual(1);
      expect(s.maxBatch).toBeGreaterThanOrEqual(1);
      expect(s.overlapShare).toBeGreaterThanOrEqual(0);
      expect(s.overlapShare).toBeLessThanOrEqual(1);
      expect((s.weights.upsert ?? 0) > 0).toBe(true);
      for (const w of Object.values(s.weights)) expect(w).toBeGreaterThanOrEqual(0);
      expect(s.optimizer.enabled).toBe(true);
    }
    expect(scenarioByName('single-shard').shards).toBe(1);
    expect(scenarioByName('single-shard').readers).toBe(0);
    expect(scenarioByName('delete-heavy').optimizer.deletedThreshold).toBe(0.05);
    expect(scenarioByName('proxy-race').strategy).toBe('window');
  });
});
