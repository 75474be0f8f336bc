// Planted engine bugs (mutants) that are NOT in the fault catalog: each breaks one mechanism of the
// engine by a one-place source edit. `scripts/mutants.mjs` applies each to a copy of the tree and runs
// the soak on it, to measure whether the harness finds bugs nobody catalogued (a fault switch is
// something the harness was tuned against; these are not). Nothing imports this at run time: the
// engine has no mutant switches, so a mutant can only be found by diffing, like a real bug.

export interface Mutant {
  readonly name: string;
  /** Path from the repository root. */
  readonly file: string;
  /** Exact text, present exactly once in `file` (`sut/mutants.test.ts` checks it). */
  readonly find: string;
  readonly replace: string;
  /** What the edit breaks, and what a client could see. */
  readonly breaks: string;
  /**
   * Set when no client can see the edit in this engine, with the argument (a survivor is then
   * expected; one that is found proves the argument wrong). Kept so the claim stays checked.
   */
  readonly equivalent?: string;
}

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'proxy-has-point-ignores-deletes',
    file: 'sut/engine/proxySegment.ts',
    find: 'return !this.isDeletedHere(id) && this.wrapped.hasPoint(id);',
    replace: 'return this.wrapped.hasPoint(id);',
    breaks: 'a proxy says it holds a point it deleted',
    equivalent:
      'hasPoint of a proxy only feeds race-window marks and, for a double proxy, the outer delete (which re-records a delete the inner one already hides); the update path asks pointVersion',
  },
  {
    name: 'proxy-retrieve-ignores-deletes',
    file: 'sut/engine/proxySegment.ts',
    find: 'retrieveNewer(id: PointId, than: number, withVectors: boolean): RecordOut | undefined {\n    if (this.isDeletedHere(id)) return undefined;',
    replace: 'retrieveNewer(id: PointId, than: number, withVectors: boolean): RecordOut | undefined {',
    breaks: 'retrieve by id through a proxy returns points deleted while it was in place (scroll and count exclude them on their filter path)',
  },
  {
    name: 'proxy-read-filtered-ignores-deletes',
    file: 'sut/engine/proxySegment.ts',
    find: 'return this.deletedPoints.size === 0 ? ids : ids.filter((id) => !this.isDeletedHere(id));',
    replace: 'return ids;',
    breaks: 'count and filtered updates through a proxy include points deleted while it was in place',
  },
  {
    name: 'proxy-mask-misses-deletes',
    file: 'sut/engine/proxySegment.ts',
    find: 'if (off !== undefined) setDeletedOffset(this.deletedMask, off);',
    replace: 'void off;',
    breaks: 'a delete through a proxy never reaches its deleted mask: search still scores the point',
  },
  {
    name: 'propagate-drops-deletes',
    file: 'sut/engine/proxySegment.ts',
    find: 'for (const d of this.deletedPoints.values()) this.wrapped.deletePoint(d.operationVersion, d.id);',
    replace: '',
    breaks: 'unwrapping a proxy (snapshot teardown, cancellation) forgets the deletes it recorded',
  },
  {
    name: 'search-ignores-vector-deletes',
    file: 'sut/engine/segment.ts',
    find: 'if (off < vlen && (vw[w]! & bit) !== 0) continue;',
    replace: '',
    breaks: 'search scores a named vector that delete_vectors removed',
  },
  {
    name: 'cosine-not-normalised',
    file: 'sut/engine/vectorStorage.ts',
    find: "if (this.distance === 'Cosine') {",
    replace: 'if (false) {',
    breaks: 'cosine vectors are stored as given, so scores are dot products of raw vectors',
  },
  {
    name: 'aggregate-prefers-older-copy',
    file: 'sut/engine/hitBuffer.ts',
    find: 'return versions[i]! > versions[prev]! ||',
    replace: 'return versions[i]! < versions[prev]! ||',
    breaks: 'when a search meets two copies of an id, the older one wins',
    equivalent:
      'two visible copies of an id exist only inside a copy-on-write move, seen by a read overlapping that update, which may show the point before or after it (per-point atomicity)',
  },
  {
    name: 'merge-keeps-older-copy',
    file: 'sut/engine/mergeWinners.ts',
    find: 'if (!found || version > bestVersion ||',
    replace: 'if (!found || version < bestVersion ||',
    breaks: 'a rebuild keeps the lowest-version copy of an id present in several inputs',
  },
  {
    name: 'apply-keeps-older-copies',
    file: 'sut/engine/shard.ts',
    find: 'for (const c of copies) if (c !== newest) c.entry.deletePoint(c.version, id);',
    replace: '',
    breaks: 'apply_points leaves older copies of an id in other segments',
    equivalent:
      'updates are serial per shard and a move completes within its update, and proxies hide what they moved: an update never finds two visible copies (the reason F6 is replaced, sut/README.md)',
  },
  {
    name: 'delete-skips-proxies',
    file: 'sut/engine/shard.ts',
    find: '        e.deletePoint(opNum, ids[i]);',
    replace: '        if (!(e instanceof ProxySegment)) e.deletePoint(opNum, ids[i]);',
    breaks: 'delete by id passes over proxied segments, so the optimized segment keeps the point',
  },
  {
    name: 'cow-keeps-source-copy',
    file: 'sut/engine/shard.ts',
    find: "await this.y('cow.inserted');\n      src.deletePoint(opNum, id);",
    replace: "await this.y('cow.inserted');",
    breaks: 'a copy-on-write move leaves the old copy live at its source',
  },
  {
    name: 'scroll-page-without-lookahead',
    file: 'sut/engine/shard.ts',
    find: 'pages.push(list[i].readFilteredPage(filter, offset, limit + 1));',
    replace: 'pages.push(list[i].readFilteredPage(filter, offset, limit));',
    breaks: 'a scroll page asks each segment for `limit` ids, so the next page offset can be lost',
  },
  {
    name: 'retrieve-first-copy',
    file: 'sut/engine/shard.ts',
    find: 'seg.retrieveNewer(id, prev === undefined ? -Infinity : prev.version, withVectors);',
    replace: 'seg.retrieveNewer(id, prev === undefined ? -Infinity : Infinity, withVectors);',
    breaks: 'retrieve keeps the first copy met in read order instead of the newest',
    equivalent:
      'as aggregate-prefers-older-copy: the first copy in read order is the source of an in-flight move, the before state an overlapping read may show',
  },
  {
    name: 'snapshot1-deletes-at-version-0',
    file: 'sut/engine/optimizer.ts',
    find: 'for (const d of first.values()) optimized.deletePoint(d.operationVersion, d.id);',
    replace: 'for (const d of first.values()) optimized.deletePoint(0, d.id);',
    breaks: "the slow phase replays proxied deletes at version 0, which the optimized copies' versions reject",
    equivalent:
      'the finish phase applies every proxied delete the optimized segment still holds (the delete diff), with its own version: the two-phase design repairs the lost first pass',
  },
  {
    name: 'index-misses-new-values',
    file: 'sut/engine/payloadIndex.ts',
    find: 'if (after !== undefined) idx.add(offset, after);',
    replace: '',
    breaks: 'a payload change never adds its new values to the field index: filtered reads miss the point',
  },
  {
    name: 'upgrade-skips-readers',
    file: 'sut/engine/locks.ts',
    find: 'while (this.readers > 0) await this.waiters.wait(this.ex, `${this.name}.upgrade-wait`);',
    replace: '',
    breaks: 'upgrading the holder lock does not wait for readers: proxies are swapped in under a running update',
  },
  {
    name: 'delete-keeps-old-version',
    file: 'sut/engine/segment.ts',
    find: 'this.tracker.drop(id);\n    this.tracker.setVersion(off, opNum);',
    replace: 'this.tracker.drop(id);',
    breaks: "a point delete leaves the tombstone at the point's old version",
    equivalent:
      "a deleted point has no version to any reader or update (pointVersion is undefined), and a delete reaches every copy, so no merge weighs a tombstone against a live copy it should beat",
  },
  {
    name: 'range-lt-inclusive',
    file: 'sut/engine/filterCheck.ts',
    find: '(lt === undefined || x < lt) &&',
    replace: '(lt === undefined || x <= lt) &&',
    breaks: 'range `lt` also accepts the bound itself',
  },
  {
    name: 'match-array-first-element',
    file: 'sut/engine/filterCheck.ts',
    find: 'for (let i = 0; i < v.length; i++) if (elem(v[i])) return true;',
    replace: 'if (v.length > 0 && elem(v[0])) return true;',
    breaks: 'match and range on an array value look at its first element only',
  },
  {
    name: 'values-count-missing-key',
    file: 'sut/engine/filterCheck.ts',
    find: 'return overValues(path, inBounds(0), (v) => inBounds(valuesCountOf(v)), false);',
    replace: 'return overValues(path, false, (v) => inBounds(valuesCountOf(v)), false);',
    breaks: 'values_count never matches a point without the key, even when 0 is in bounds',
  },
  {
    name: 'proxying-without-write-lock',
    file: 'sut/engine/optimizer.ts',
    find: "  await holder.lock.upgrade();\n  await ex.yield('opt.write');\n  const proxies: ProxySegment[] = unsynced.map((u) => u.finalize());\n  // replicate_field_indexes again: an index created or dropped since the CoW segment was built\n  // reached only the registered segments, and from here on the CoW segment takes every write.\n  if (cow) replicateFieldIndexes(ctx.schema(), cow);\n  for (const seg of inputs) ctx.unsynced.delete(seg);\n  plan.ids.forEach((id, i) => holder.replace(id, proxies[i]));\n  const cowId = cow ? holder.add(cow) : undefined;\n  holder.lock.releaseWrite();\n  handle.phase = 'slow';",
    replace: "  await ex.yield('opt.write');\n  const proxies: ProxySegment[] = unsynced.map((u) => u.finalize());\n  // replicate_field_indexes again: an index created or dropped since the CoW segment was built\n  // reached only the registered segments, and from here on the CoW segment takes every write.\n  if (cow) replicateFieldIndexes(ctx.schema(), cow);\n  for (const seg of inputs) ctx.unsynced.delete(seg);\n  plan.ids.forEach((id, i) => holder.replace(id, proxies[i]));\n  const cowId = cow ? holder.add(cow) : undefined;\n  holder.lock.releaseUpgradable();\n  handle.phase = 'slow';",
    breaks: 'proxies are finalized and installed without the write lock, while an update may still write the inputs',
  },
  {
    name: 'swap-without-write-lock',
    file: 'sut/engine/optimizer.ts',
    find: "      await holder.lock.upgrade();\n      await ex.yield('finish.write');\n      holder.swapNew(optimized, plan.ids);\n      if (cowId !== undefined) holder.removeSegmentIfNotNeeded(cowId);\n      holder.lock.releaseWrite();",
    replace: "      await ex.yield('finish.write');\n      holder.swapNew(optimized, plan.ids);\n      if (cowId !== undefined) holder.removeSegmentIfNotNeeded(cowId);\n      holder.lock.releaseUpgradable();",
    breaks: 'the optimized segment is swapped in under the upgradable read, beside running reads',
    equivalent:
      'the finish phase already holds the updates mutex (no update is in flight), the swap itself never yields, and a read works on the segment list it took at its start, which stays valid',
  },
  // ------------------------------------------------------------------ second round: payload and vector
  // ops, copy-on-write records, candidate generation, filter rules, snapshots
  {
    name: 'set-payload-null-stored',
    file: 'sut/engine/record.ts',
    find: 'else if (set[k] !== null) putOwn(out, k, copyJson(set[k]));',
    replace: 'else putOwn(out, k, copyJson(set[k]));',
    breaks: 'set_payload with a null value on an existing key stores null instead of removing the key',
  },
  {
    name: 'overwrite-payload-merges',
    file: 'sut/engine/record.ts',
    find: "    case 'upsert':\n    case 'overwritePayload':\n      return copyPayload(m.payload);\n    case 'setPayload': {",
    replace: "    case 'upsert':\n      return copyPayload(m.payload);\n    case 'overwritePayload':\n    case 'setPayload': {",
    breaks: 'overwrite_payload merges into the old payload like set_payload: keys it omits survive',
  },
  {
    name: 'delete-payload-nested-path-noop',
    file: 'sut/engine/record.ts',
    find: 'const next = last ? undefined : removedAt(inner, segs, i + 1);',
    replace: 'const next = last ? undefined : inner;',
    breaks: 'delete_payload with a nested key (`items[].k`, `a.b`) removes nothing: value_remove stops at the first key',
  },
  {
    name: 'upsert-keeps-omitted-vectors',
    file: 'sut/engine/segment.ts',
    find: '        if (v) s.put(off, v);\n        else s.setDeleted(off, true);\n      }\n    } else if',
    replace: '        if (v) s.put(off, v);\n      }\n    } else if',
    breaks: 'an in-place upsert of an existing id keeps its old vectors for the names the upsert omits (update instead of replace_all_vectors)',
  },
  {
    name: 'cow-update-vectors-replaces-all',
    file: 'sut/engine/record.ts',
    find: 'for (const n of Object.keys(m.vectors)) vectors.set(n, m.vectors[n]);',
    replace: 'for (const n of names) vectors.set(n, ownVector(m.vectors, n));',
    breaks: 'update_vectors of some names, moved copy-on-write, drops the names it does not give',
  },
  {
    name: 'cow-drops-vector-deletes',
    file: 'sut/engine/record.ts',
    find: 'for (const n of m.names) vectors.set(n, undefined);',
    replace: '',
    breaks: 'delete_vectors on a point in a non-appendable segment or proxy moves it with the vector intact',
  },
  {
    name: 'merge-copies-deleted-vectors',
    file: 'sut/engine/segment.ts',
    find: 'const present = srcOff < from.slotCount && (ignoreVecDeleted || !from.isDeleted(srcOff));',
    replace: 'const present = srcOff < from.slotCount;',
    breaks: 'the optimizer copies vector-deleted slots as present (every source, unlike F16): deleted named vectors come back',
  },
  {
    name: 'retrieve-shows-deleted-vectors',
    file: 'sut/engine/segment.ts',
    find: 'if (off >= s.slotCount || s.isDeleted(off)) continue;',
    replace: 'if (off >= s.slotCount) continue;',
    breaks: 'retrieve with_vectors returns named vectors that delete_vectors removed',
  },
  {
    name: 'has-vector-ignores-vector-deletes',
    file: 'sut/engine/segment.ts',
    find: 'return s !== undefined && offset < s.slotCount && !s.isDeleted(offset);',
    replace: 'return s !== undefined && offset < s.slotCount;',
    breaks: 'has_vector matches a point whose named vector was deleted',
  },
  {
    name: 'should-primary-from-indexed-branches',
    file: 'sut/engine/payloadIndex.ts',
    find: '    if (e.primary.length === 0) {\n      primary = NONE;\n      break;\n    }',
    replace: '    if (e.primary.length === 0) continue;',
    breaks: 'a `should` with an unindexed branch enumerates only its indexed branches: points matching only the unindexed one are missed',
  },
  {
    name: 'must-not-keeps-primary',
    file: 'sut/engine/payloadIndex.ts',
    find: '    max: Math.max(0, total - e.min),\n    primary: NONE,',
    replace: '    max: Math.max(0, total - e.min),\n    primary: e.primary,',
    breaks: "an inverted (must_not) estimate keeps the negated condition's primary clauses: candidates are the points it excludes",
  },
  {
    name: 'min-should-keeps-primary',
    file: 'sut/engine/payloadIndex.ts',
    find: '        e.primary = NONE;\n        parts.push(e);',
    replace: '        parts.push(e);',
    breaks: 'min_should is enumerated through the union of its conditions\' primary clauses',
    equivalent:
      'min_count >= 1 here (<= 0 and > n are handled before), so every match satisfies one condition and the union (given only when every condition has primaries) is a superset; queryPoints re-checks the whole filter, and shouldPreFilter only picks between two strategies that return the same page',
  },
  {
    name: 'index-build-bound-live-count',
    file: 'sut/engine/payloadIndex.ts',
    find: '    const n = view.totalOffsets;\n    for (let o = 0; o < n; o++) {\n      if (!view.isLive(o)) continue;\n      const v = idx.read(view.payload(o));',
    replace: '    const n = this.liveCount();\n    for (let o = 0; o < n; o++) {\n      if (!view.isLive(o)) continue;\n      const v = idx.read(view.payload(o));',
    breaks: 'building a field index walks offsets up to the live count, not the offset space: with tombstones the highest offsets are never indexed',
  },
  {
    name: 'range-index-gte-strict',
    file: 'sut/engine/payloadIndex.ts',
    find: '(r.gte === undefined || r.gte === null || k >= r.gte)',
    replace: '(r.gte === undefined || r.gte === null || k > r.gte)',
    breaks: 'the numeric index enumerates a range `gte` bound as `gt`: points at the bound are not candidates',
  },
  {
    name: 'except-rejects-other-types',
    file: 'sut/engine/filterCheck.ts',
    find: 'return true; // bool, object, array inside an array',
    replace: 'return false; // bool, object, array inside an array',
    breaks: 'match except rejects stored values of another type (bool, object) instead of accepting them',
  },
  {
    name: 'is-null-ignores-array-nulls',
    file: 'sut/engine/filterCheck.ts',
    find: 'for (let i = 0; i < v.length; i++) if (v[i] === null) return true;',
    replace: '',
    breaks: 'is_null is false for an array that contains null',
  },
  {
    name: 'values-count-null-is-one',
    file: 'sut/engine/filterCheck.ts',
    find: 'if (v === null) return 0;',
    replace: 'if (v === null) return 1;',
    breaks: 'values_count counts a stored null as one value',
  },
  {
    name: 'is-empty-wildcard-any',
    file: 'sut/engine/filterCheck.ts',
    find: "return overValues(parseJsonPath((c as { is_empty: { key: string } }).is_empty.key), true, isEmptyValue, true);",
    replace: "return overValues(parseJsonPath((c as { is_empty: { key: string } }).is_empty.key), true, isEmptyValue, false);",
    breaks: 'is_empty on a `[]` path passes when ANY yielded value is empty (Qdrant requires all)',
  },
  {
    name: 'merge-ids-numeric-by-first',
    file: 'sut/engine/ids.ts',
    find: "if (l.length > 0 && typeof l[l.length - 1] !== 'number') numeric = false;",
    replace: "if (l.length > 0 && typeof l[0] !== 'number') numeric = false;",
    breaks: 'a scroll page union decides "all numeric" by each list\'s first id: a list of numbers then UUIDs is sorted as numbers',
  },
  {
    name: 'writes-stamp-only-on-version-growth',
    file: 'sut/engine/segment.ts',
    find: '    this.writes++;\n    if (opNum > this.segVersion) this.segVersion = opNum;',
    replace: '    if (opNum > this.segVersion) {\n      this.segVersion = opNum;\n      this.writes++;\n    }',
    breaks: "the read-cache stamp moves only when the segment version grows: a second write of the same op leaves the scroll tail cache valid",
    equivalent:
      'a scroll page holds the update-operation lock, so pages fall between whole ops; the first write of an op to a segment always raises its version (op numbers are per-shard and increasing, a segment only holds versions of earlier ops), and propagated proxy deletes reach a segment frozen since before them, so the stamp changes between any two pages whose answer could differ',
  },
  {
    name: 'snapshot-proxies-without-write-lock',
    file: 'sut/engine/shard.ts',
    find: "    await holder.lock.upgrade();\n    const proxies: [number, ProxySegment][] = unsynced.map(([id, u]) => [id, u.finalize()]);\n    for (const [id, p] of proxies) holder.replace(id, p);\n    const tmpId = holder.add(tmp);\n    holder.lock.downgradeToUpgradable();",
    replace: "    const proxies: [number, ProxySegment][] = unsynced.map(([id, u]) => [id, u.finalize()]);\n    for (const [id, p] of proxies) holder.replace(id, p);\n    const tmpId = holder.add(tmp);",
    breaks: 'snapshot proxies are finalized and installed under the upgradable read only, beside a running update or read (F11 window): a read holding the segment list from before misses the tmp segment once the proxies push their deletes into the wrapped segments',
  },
  {
    name: 'double-proxy-search-no-exclusion',
    file: 'sut/engine/proxySegment.ts',
    find: 'this.wrapped.searchInto({ ...req, filter }, out, deletedOverride);',
    replace: 'this.wrapped.searchInto(req, out, deletedOverride);',
    breaks: 'a proxy without a mask (a snapshot proxy over an optimizer proxy) searches without excluding its deletes',
  },
  {
    name: 'remove-nonempty-temp-segment',
    file: 'sut/engine/holder.ts',
    find: "if (e.kind === 'proxy' || e.availablePointCount > 0) return;",
    replace: "if (e.kind === 'proxy') return;",
    breaks: 'a snapshot tmp or optimizer CoW segment is dropped at teardown even when writes landed in it',
  },
  {
    name: 'proxy-page-no-overfetch',
    file: 'sut/engine/proxySegment.ts',
    find: 'const ids = this.wrapped.readFilteredPage(filter, offset, limit + this.deletedPoints.size);',
    replace: 'const ids = this.wrapped.readFilteredPage(filter, offset, limit);',
    breaks: "a proxy's scroll page asks the wrapped segment for `limit` ids, then drops its deletes: the page comes up short",
  },
  {
    name: 'vacuum-threshold-strict',
    file: 'sut/engine/optimizer.ts',
    find: 'deleted / Math.max(1, total) <= cfg.deletedThreshold',
    replace: 'deleted / Math.max(1, total) < cfg.deletedThreshold',
    breaks: 'a segment exactly at the deleted threshold is vacuumed',
    equivalent:
      'planning only picks which (correct) optimization runs and when; every client-visible result is independent of the segment layout, which the other optimizations and the race windows already vary',
  },
  {
    name: 'proxy-forgets-index-create',
    file: 'sut/engine/proxySegment.ts',
    find: "this.changedIndexes.set(field, { type: 'create', schema, version: opNum });",
    replace: '',
    breaks: 'a field index created while a segment is proxied never reaches the optimized or unwrapped segment',
    equivalent:
      'an index only accelerates: queryPoints re-checks the whole filter on every candidate and an unindexed field is scanned, and the generator uses one schema per field, so no stale or mismatched index can arise from a missing create',
  },
];
