// The named workloads (DESIGN §1 scenarios/, §6 `soak scenarios`). Each is plain data read by the
// generator (weights, id pool, batch sizes, readers), the engine (shards, vectors, optimizer) and the
// scheduler (default strategy).
import type { VectorParams } from '../model/types.ts';
import type { OptimizerSettings, Scenario } from './types.ts';

const VECTORS: readonly VectorParams[] = [
  { name: 'dense', size: 8, distance: 'Cosine' },
  { name: 'dot', size: 4, distance: 'Dot' },
  { name: 'euclid', size: 4, distance: 'Euclid' },
];

/** Aggressive on purpose: tiny segments, early indexing and vacuum, so the optimizer runs constantly. */
const AGGRESSIVE: OptimizerSettings = {
  enabled: true,
  maxSegmentSizeKb: 4,
  indexingThresholdKb: 2,
  deletedThreshold: 0.1,
  vacuumMinVectorNumber: 16,
  defaultSegmentNumber: 2,
};

const DEFAULT: Scenario = {
  name: 'default',
  description: 'Every update, read and control kind over 2 shards, up to two overlapping readers, preempting at lock-phase windows.',
  shards: 2,
  vectors: VECTORS,
  idPool: 1000,
  uuidShare: 0.2,
  // Fresh ids land at new offsets: an upsert into an input still being proxied is where #9116 hides points.
  newIdShare: 0.7,
  weights: {
    upsert: 28,
    delete: 10,
    deleteByFilter: 2,
    setPayload: 9,
    overwritePayload: 3,
    deletePayloadKeys: 2,
    clearPayload: 1,
    updateVectors: 5,
    deleteVectors: 2.5,
    createFieldIndex: 1,
    dropFieldIndex: 0.5,
    retrieve: 6,
    count: 10,
    scroll: 3,
    search: 30,
    snapshot: 1,
    cancelOptimization: 2,
  },
  swarmWindow: 200,
  maxBatch: 8,
  // Reads that overlap an update see copy-on-write moves half done (#3990, #9789).
  readers: 2,
  overlapShare: 0.4,
  // Tiny segments: a merge, index build or vacuum is in flight at almost every step.
  optimizer: { ...AGGRESSIVE, maxSegmentSizeKb: 2, indexingThresholdKb: 1 },
  strategy: 'window',
};

const PROXY_RACE: Scenario = {
  ...DEFAULT,
  name: 'proxy-race',
  description: 'Fresh-id upserts and searches on a small pool with tiny segments, preempting at lock-phase windows.',
  idPool: 300,
  newIdShare: 0.7,
  weights: {
    upsert: 32,
    delete: 8,
    deleteByFilter: 1,
    setPayload: 4,
    overwritePayload: 2,
    deletePayloadKeys: 1,
    clearPayload: 0.5,
    updateVectors: 4,
    deleteVectors: 2,
    createFieldIndex: 0.5,
    dropFieldIndex: 0.3,
    retrieve: 8,
    count: 6,
    scroll: 3,
    search: 30,
    snapshot: 1.5,
    cancelOptimization: 1.5,
  },
  swarmWindow: 150,
  readers: 2,
  overlapShare: 0.4,
  optimizer: { ...AGGRESSIVE, maxSegmentSizeKb: 2, indexingThresholdKb: 1 },
  strategy: 'window',
};

/**
 * The default's reader and id settings before it was tuned for detection (NOTES.md): the workloads
 * built on it keep them, so they stay what they were measured as.
 */
const UNTUNED_READS = { newIdShare: 0.6, readers: 1, overlapShare: 0.3 } as const;

const PAYLOAD_CHURN: Scenario = {
  ...DEFAULT,
  ...UNTUNED_READS,
  name: 'payload-churn',
  description: 'Payload writes and field-index create/drop dominate; nearly every read and selector carries a filter.',
  filterBias: 0.6,
  weights: {
    upsert: 12,
    delete: 3,
    deleteByFilter: 2,
    setPayload: 16,
    overwritePayload: 8,
    deletePayloadKeys: 8,
    clearPayload: 3,
    updateVectors: 1,
    deleteVectors: 1,
    createFieldIndex: 4,
    dropFieldIndex: 3,
    retrieve: 8,
    count: 12,
    scroll: 8,
    search: 10,
    snapshot: 0.5,
    cancelOptimization: 1,
  },
};

const DELETE_HEAVY: Scenario = {
  ...DEFAULT,
  ...UNTUNED_READS,
  name: 'delete-heavy',
  description: 'Deletes and delete-by-filter against steady refills, with a vacuum-friendly 5% deleted threshold.',
  idPool: 600,
  weights: {
    upsert: 24,
    delete: 18,
    deleteByFilter: 8,
    setPayload: 3,
    overwritePayload: 1,
    deletePayloadKeys: 1,
    clearPayload: 1,
    updateVectors: 2,
    deleteVectors: 3,
    createFieldIndex: 0.5,
    dropFieldIndex: 0.3,
    retrieve: 6,
    count: 10,
    scroll: 5,
    search: 15,
    snapshot: 0.5,
    cancelOptimization: 1,
  },
  optimizer: { ...AGGRESSIVE, deletedThreshold: 0.05 },
};

const SINGLE_SHARD: Scenario = {
  ...DEFAULT,
  name: 'single-shard',
  description: 'The default mix on one shard with strictly sequential reads (no overlapping reader).',
  shards: 1,
  readers: 0,
};

/**
 * Snapshots run in the background across the steps after their own (trace@2): here one step in ~15
 * starts one on average (swarm windows switch the kind off, sometimes for hundreds of steps), so
 * updates, deletes and searches keep meeting snapshot proxies, proxies over optimizer proxies, and
 * their teardown.
 */
const SNAPSHOT_RACE: Scenario = {
  ...PROXY_RACE,
  name: 'snapshot-race',
  description: 'Frequent snapshots overlapping updates, deletes and searches: double proxies over optimizer proxies, teardown propagation.',
  weights: {
    ...PROXY_RACE.weights,
    delete: 12,
    snapshot: 8,
    cancelOptimization: 0.5,
  },
};

export const SCENARIOS: readonly Scenario[] = [DEFAULT, PROXY_RACE, PAYLOAD_CHURN, DELETE_HEAVY, SINGLE_SHARD, SNAPSHOT_RACE];

export class UnknownScenarioError extends Error {
  readonly scenario: string;
  constructor(name: string) {
    super(`unknown scenario "${name}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    this.name = 'UnknownScenarioError';
    this.scenario = name;
  }
}

export function scenarioByName(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new UnknownScenarioError(name);
  return s;
}
