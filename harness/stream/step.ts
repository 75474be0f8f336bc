// One step of a soak stream: what the harness executes as a unit, and what a trace line holds.
import type { ControlOp, ReadOp, UpdateOp } from '../../model/types.ts';

export type Step =
  /** An update alone (the optimizer interleaves with it). */
  | { readonly t: 'update'; readonly op: UpdateOp }
  /** A read alone: compared exactly against the model. */
  | { readonly t: 'read'; readonly op: ReadOp }
  /** An update with reads running beside it: checked for per-point atomicity. */
  | { readonly t: 'overlap'; readonly op: UpdateOp; readonly reads: readonly ReadOp[] }
  /** A control event: snapshot or optimizer cancellation. */
  | { readonly t: 'control'; readonly op: ControlOp };
