// The model as a Target, so the harness can drive it exactly like an engine or a real Qdrant.
import { answerRead } from './reads.ts';
import { ModelState } from './state.ts';
import type { CollectionSpec, ControlOp, ReadOp, ReadResult, Target, UpdateOp, UpdateResult } from './types.ts';

export class ReferenceModel implements Target {
  readonly name = 'model';
  readonly state: ModelState;

  /** Starts empty from a spec, or wraps an existing state (e.g. a clone) without copying it. */
  constructor(init: CollectionSpec | ModelState) {
    this.state = init instanceof ModelState ? init : new ModelState(init);
  }

  async apply(op: UpdateOp): Promise<UpdateResult> {
    return this.state.apply(op);
  }

  async read(op: ReadOp): Promise<ReadResult> {
    return answerRead(this.state, op);
  }

  /** Snapshots and optimizer cancellations change nothing a client can observe. */
  async control(_op: ControlOp): Promise<void> {}

  async close(): Promise<void> {}
}
