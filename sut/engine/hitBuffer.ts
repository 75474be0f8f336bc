// Search hits as parallel arrays: a shard search gathers up to `limit` hits from every segment,
// and objects for all of them were a large share of the engine's garbage. Only the hits that
// survive aggregation become objects.
import type { PointId } from '../../model/types.ts';

export class HitBuffer {
  readonly ids: PointId[] = [];
  readonly scores: number[] = [];
  readonly versions: number[] = [];
  /** Hits held (the arrays may be longer: they are reused). */
  n = 0;

  push(id: PointId, score: number, version: number): void {
    const i = this.n++;
    this.ids[i] = id;
    this.scores[i] = score;
    this.versions[i] = version;
  }

  clear(): void {
    this.n = 0;
  }
}
