// What the payload index and the filter checker may know about one segment's points. The
// segment implements it; keeping it narrow lets the index be tested on its own.
import type { Payload, PointId } from '../../model/types.ts';

export interface PointView {
  /** Length of the offset space (tombstones included). */
  readonly totalOffsets: number;
  /** Live per the segment's tracker right now. */
  isLive(offset: number): boolean;
  /** External id of a live offset; undefined for a tombstone. */
  externalId(offset: number): PointId | undefined;
  /** Live offset of an external id, via the forward map. */
  offsetOf(id: PointId): number | undefined;
  /** Stored payload of an offset ({} when none). */
  payload(offset: number): Payload;
  /** The named vector exists at this offset and is not vector-deleted. */
  hasVector(offset: number, name: string): boolean;
}
