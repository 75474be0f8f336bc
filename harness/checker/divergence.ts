// What the blind checker reports when a target's client-visible answer disagrees with the model.
// `expected` / `actual` are small JSON-serialisable summaries about the involved ids only (id lists,
// counts, scores, the payloads/vectors of those ids): they go into traces and report.json, so they
// must never carry a whole state.
import type { PointId } from '../../model/types.ts';

export type DivergenceKind =
  | 'missing-candidate'
  | 'ghost-point'
  | 'filter-violation'
  | 'wrong-score'
  | 'wrong-order'
  | 'wrong-payload'
  | 'wrong-vector'
  | 'count-mismatch'
  | 'scroll-mismatch'
  | 'duplicate-point'
  | 'error'
  | 'hang';

export interface Divergence {
  readonly kind: DivergenceKind;
  readonly message: string;
  /** ids the disagreement is about */
  readonly ids: readonly PointId[];
  readonly expected: unknown;
  readonly actual: unknown;
}

/** Every kind, in DESIGN.md §5 order (a CLI / trace contract). */
export const DIVERGENCE_KINDS = [
  'missing-candidate',
  'ghost-point',
  'filter-violation',
  'wrong-score',
  'wrong-order',
  'wrong-payload',
  'wrong-vector',
  'count-mismatch',
  'scroll-mismatch',
  'duplicate-point',
  'error',
  'hang',
] as const satisfies readonly DivergenceKind[];

// Compile-time proof that the list above names every kind.
type MissingKinds = Exclude<DivergenceKind, (typeof DIVERGENCE_KINDS)[number]>;
const everyKindListed: [MissingKinds] extends [never] ? true : MissingKinds = true;
void everyKindListed;

export function isDivergenceKind(s: string): s is DivergenceKind {
  return (DIVERGENCE_KINDS as readonly string[]).includes(s);
}

export function divergence(
  kind: DivergenceKind,
  message: string,
  ids: readonly PointId[],
  expected: unknown,
  actual: unknown,
): Divergence {
  return { kind, message, ids: [...ids], expected, actual };
}
