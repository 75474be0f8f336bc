// Race-window marks: how often each dangerous window was entered. Coverage for reports only;
// the checker never reads them.
export type MarkName =
  | 'update-while-proxy-unsynced'
  | 'new-offset-in-unsynced-input'
  | 'delete-in-unsynced-input'
  | 'delete-during-slow-phase'
  | 'search-with-mask'
  | 'search-with-has-id-exclusion'
  | 'search-slot-superseded'
  | 'cow-move'
  | 'cow-during-finish'
  | 'cancel-unwrap'
  | 'snapshot-proxied'
  | 'merge-tombstoned-winner'
  | 'finish-delete-diff-applied';

export class Marks {
  private readonly counts = new Map<MarkName, number>();
  hit(name: MarkName): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }
  get(name: MarkName): number {
    return this.counts.get(name) ?? 0;
  }
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
  addAll(other: Marks): void {
    for (const [k, v] of other.counts) this.counts.set(k, (this.counts.get(k) ?? 0) + v);
  }
}
