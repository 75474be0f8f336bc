// The fault catalog: each fault restores one historical mechanism in the engine. The engine reads
// only the resulting switches; the checker never reads either (it finds faults by diffing).

export interface FaultSwitches {
  /** F1 #9116: when the proxy copies the wrapped segment's deleted bits. */
  readonly proxyMaskSyncAt: 'construct' | 'finalize';
  /** F2: unfiltered search trusts the mask and resolves offsets without the live tombstone check. */
  readonly resolveIdsWithoutTombstoneCheck: boolean;
  /** F3 #10364: cancellation propagates the proxies' deletes and index changes before unwrapping. */
  readonly unwrapProxyPropagates: boolean;
  /** F4 #9052: the merge skips an id whose highest-version copy is tombstoned. */
  readonly mergeSkipsTombstonedWinner: boolean;
  /** F12 (second toggle): the finish phase re-reads the proxies' deletes (snapshot #2) and applies the diff. */
  readonly finishAppliesDeleteDiff: boolean;
  /** F16 #4952: the merge copies a vector slot as live even when its vecDeleted bit is set. */
  readonly mergeCopiesVecDeletedWrongly: boolean;
  /** F7 #7109: a proxy reports the wrapped version of a point it has deleted. */
  readonly proxyPointVersionIgnoresDeletes: boolean;
  /** F10 #3990: order of the two halves of a copy-on-write move. */
  readonly cowOrder: 'insertThenDelete' | 'deleteThenInsert';
  /** F12: the finish phase holds the updates mutex across "read deletes, swap". */
  readonly finishTakesUpdatesLock: boolean;
  /** F17 #9789: exact count sums per-segment counts instead of unioning ids. */
  readonly countSumsSegments: boolean;
}

export const CLEAN: FaultSwitches = Object.freeze({
  proxyMaskSyncAt: 'finalize',
  resolveIdsWithoutTombstoneCheck: false,
  unwrapProxyPropagates: true,
  mergeSkipsTombstonedWinner: true,
  finishAppliesDeleteDiff: true,
  mergeCopiesVecDeletedWrongly: false,
  proxyPointVersionIgnoresDeletes: false,
  cowOrder: 'insertThenDelete',
  finishTakesUpdatesLock: true,
  countSumsSegments: false,
});

/** The client-visible symptom a blind checker should report when the fault fires. */
export type FaultSymptom =
  | 'missing-candidate'
  | 'ghost-point'
  | 'count-mismatch'
  | 'scroll-mismatch'
  | 'wrong-payload'
  | 'wrong-vector'
  | 'filter-violation'
  | 'wrong-score'
  | 'hang'
  | 'error';

export interface FaultInfo {
  readonly name: string;
  readonly description: string;
  /** Where the mechanism comes from in Qdrant's history. */
  readonly origin: string;
  /** Divergence kinds this fault produces (the first is the most typical). */
  readonly symptoms: readonly FaultSymptom[];
  /** Only visible when reads overlap updates (`--readers >= 1`). */
  readonly needsReaders: boolean;
  readonly switches: Partial<FaultSwitches>;
}

export const FAULTS: readonly FaultInfo[] = [
  {
    name: 'proxy-mask-early-snapshot',
    description: 'deleted_mask copied at proxy construction under the upgradable lock; an upsert landing before the write upgrade is masked out of search',
    origin: 'F1, qdrant#9116 (v1.9.2..v1.18.0)',
    symptoms: ['missing-candidate'],
    needsReaders: false,
    switches: { proxyMaskSyncAt: 'construct' },
  },
  {
    name: 'ghost-unchecked-resolve',
    description: 'early mask snapshot plus offset->id resolution without the live tombstone check: a delete in the window comes back from search',
    origin: 'F2, qdrant#9116 ghost direction',
    symptoms: ['ghost-point', 'missing-candidate', 'wrong-score'],
    needsReaders: false,
    switches: { proxyMaskSyncAt: 'construct', resolveIdsWithoutTombstoneCheck: true },
  },
  {
    name: 'cancel-drops-proxy-changes',
    description: 'cancelling an optimization unwraps proxies without propagating their deletes: deleted and overwritten copies come back',
    origin: 'F3, qdrant#10364',
    // 'hang': the fault's unwrap takes the write lock directly and can deadlock with a snapshot
    // (mutex <- update <- pending writer <- snapshot's upgradable), a real consequence of that order.
    symptoms: ['count-mismatch', 'scroll-mismatch', 'ghost-point', 'filter-violation', 'wrong-score', 'wrong-payload', 'missing-candidate', 'error', 'hang'],
    needsReaders: false,
    switches: { unwrapProxyPropagates: false },
  },
  {
    name: 'merge-resurrects-tombstone',
    description: 'the merge keeps the highest-version copy of an id even when that copy is tombstoned',
    origin: 'F4, qdrant#9052',
    symptoms: ['ghost-point', 'count-mismatch', 'scroll-mismatch', 'filter-violation', 'wrong-payload', 'wrong-score', 'missing-candidate', 'error'],
    needsReaders: false,
    switches: { mergeSkipsTombstonedWinner: false },
  },
  {
    name: 'finish-skips-delete-diff',
    description: 'the finish phase applies only the deletes of snapshot #1 (taken after the build); deletes between it and the swap are lost',
    origin: 'F12 skipFinishDeleteDiff (replaces F5 update-stale-copy, unreachable in the v1.16+ design)',
    symptoms: ['ghost-point', 'count-mismatch', 'scroll-mismatch', 'filter-violation', 'wrong-payload', 'wrong-score', 'missing-candidate', 'error'],
    needsReaders: false,
    switches: { finishAppliesDeleteDiff: false },
  },
  {
    name: 'merge-loses-vector-deletes',
    description: 'an optimization over several segments copies the second and later inputs\' vector slots whose vecDeleted bit is set as live vectors',
    origin: 'F16, qdrant#4952 (replaces F6 delete-latest-copy-only, unreachable in the v1.16+ design)',
    // A resurrected vector also changes what has_vector filters select, so by-filter updates diverge too.
    symptoms: ['wrong-vector', 'filter-violation', 'count-mismatch', 'scroll-mismatch', 'ghost-point', 'wrong-score', 'wrong-payload', 'missing-candidate', 'error'],
    needsReaders: false,
    switches: { mergeCopiesVecDeletedWrongly: true },
  },
  {
    name: 'proxy-version-ignores-deletes',
    description: 'a proxy reports the version of a point it deleted, so an id-addressed update resurrects the stale copy',
    origin: 'F7, qdrant#7109',
    symptoms: ['error', 'ghost-point'],
    needsReaders: false,
    switches: { proxyPointVersionIgnoresDeletes: true },
  },
  {
    name: 'cow-delete-before-insert',
    description: 'copy-on-write deletes at the source before inserting at the destination; a concurrent reader sees the point nowhere',
    origin: 'F10, qdrant#3990',
    // No scroll-mismatch: a scroll holds the update-operation lock, so it never runs inside a move.
    symptoms: ['missing-candidate', 'count-mismatch'],
    needsReaders: true,
    switches: { cowOrder: 'deleteThenInsert' },
  },
  {
    name: 'finish-without-updates-lock',
    description: 'the finish phase reads the proxies\' deletes and swaps without holding the updates mutex; a delete in between is lost',
    origin: 'F12, optimize.rs finish_optimization (cf. #9056, #8007)',
    symptoms: ['ghost-point', 'count-mismatch', 'scroll-mismatch', 'filter-violation', 'wrong-payload', 'wrong-score', 'missing-candidate', 'error'],
    needsReaders: false,
    switches: { finishTakesUpdatesLock: false },
  },
  {
    name: 'count-sums-segments',
    description: 'exact count sums per-segment counts instead of unioning ids; overcounts while copies overlap',
    origin: 'F17, qdrant#9789 (old design #5540)',
    symptoms: ['count-mismatch'],
    needsReaders: true,
    switches: { countSumsSegments: true },
  },
];

export class UnknownFaultError extends Error {}

export function faultByName(name: string): FaultInfo {
  const f = FAULTS.find((x) => x.name === name);
  if (!f) {
    throw new UnknownFaultError(`unknown fault '${name}'; known: ${FAULTS.map((x) => x.name).join(', ')}`);
  }
  return f;
}

export function switchesFor(names: readonly string[]): FaultSwitches {
  let s: FaultSwitches = CLEAN;
  for (const n of names) s = { ...s, ...faultByName(n).switches };
  return s;
}
