// A named workload: what the generator draws and how the engine is configured.
import type { UpdateOp, ReadOp, ControlOp, VectorParams } from '../model/types.ts';

export type OpKind = UpdateOp['kind'] | ReadOp['kind'] | ControlOp['kind'];

export interface OptimizerSettings {
  readonly enabled: boolean;
  readonly maxSegmentSizeKb: number;
  readonly indexingThresholdKb: number;
  readonly deletedThreshold: number;
  readonly vacuumMinVectorNumber: number;
  readonly defaultSegmentNumber: number;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly shards: number;
  /** Named vectors; at least two names with different distances. */
  readonly vectors: readonly VectorParams[];
  /** Size of the bounded id pool (numeric ids 1..n plus a share of UUIDs). */
  readonly idPool: number;
  /** Fraction of pool ids that are UUIDs (0..1). */
  readonly uuidShare: number;
  /** Relative weights per op kind; kinds absent or 0 are never generated. */
  readonly weights: Readonly<Partial<Record<OpKind, number>>>;
  /** Swarm testing: every `swarmWindow` ops a random subset of kinds is enabled (0 disables). */
  readonly swarmWindow: number;
  /** Max points per upsert batch. */
  readonly maxBatch: number;
  /** Reader tasks that may overlap an update (DESIGN §5 `--readers`). */
  readonly readers: number;
  /** Probability that a read step overlaps the next update (when readers > 0). */
  readonly overlapShare: number;
  /** Fraction of upserted points that get an id not currently live (default 0.5). */
  readonly newIdShare?: number;
  /**
   * Pushes every "carries a filter" probability p of the generator towards 1: p + (1 - p) * filterBias
   * (default 0, range 0..1).
   */
  readonly filterBias?: number;
  readonly optimizer: OptimizerSettings;
  readonly strategy: 'random' | 'pct' | 'window';
}
