// The target registry: the harness asks for a Target by name and never touches engine internals.
// Introspection (marks, optimizer counters) is optional and only feeds reports.
import type { CollectionSpec, Target } from '../model/types.ts';
import type { Executor } from '../sut/engine/executor.ts';
import { EngineCollection } from '../sut/engine/collection.ts';
import { FAULTS, switchesFor } from '../sut/faults.ts';
import type { OptimizerSettings } from '../scenarios/types.ts';

export interface TargetIntrospection {
  marks(): Record<string, number>;
  optimizerStats(): { started: number; finished: number; cancelled: number; skipped: number };
}

export interface BuiltTarget {
  readonly target: Target;
  readonly introspection?: TargetIntrospection;
  /** The target runs its background work on the executor it was given (so the scheduler owns it). */
  readonly scheduled: boolean;
}

export interface TargetRequest {
  readonly kind: string;
  readonly spec: CollectionSpec;
  readonly optimizer: OptimizerSettings;
  readonly faults: readonly string[];
  readonly executor: Executor;
  readonly url?: string;
  readonly apiKey?: string;
  /**
   * Snapshots as trace@1 ran them: the engine's archive is not preempted (a trace@1 replay needs
   * the scheduler decisions it recorded, no more).
   */
  readonly snapshotsAsTraceV1?: boolean;
}

export class TargetUnavailableError extends Error {}
export class UnknownTargetError extends Error {}

export const TARGETS = ['engine', 'qdrant'] as const;

/** The catalogued fault names (a trace header naming another one is rejected at load). */
export const FAULT_NAMES: readonly string[] = FAULTS.map((f) => f.name);

export function buildTarget(req: TargetRequest): BuiltTarget {
  switch (req.kind) {
    case 'engine': {
      const engine = new EngineCollection({
        spec: req.spec,
        optimizer: req.optimizer,
        faults: switchesFor(req.faults),
        executor: req.executor,
        ...(req.snapshotsAsTraceV1 ? { snapshotArchiveChunk: 0 } : {}),
      });
      return {
        target: engine,
        scheduled: true,
        introspection: { marks: () => engine.marks.toJSON(), optimizerStats: () => engine.optimizerStats() },
      };
    }
    case 'qdrant':
      throw new TargetUnavailableError(
        "target 'qdrant' (a real server through @qdrant/js-client-rest) is not built yet; use --target engine",
      );
    default:
      throw new UnknownTargetError(`unknown target '${req.kind}'; known: ${TARGETS.join(', ')}`);
  }
}
