/**
 * The allocation bitmap under every Service address and node port (kata 26): one bit per item of
 * a range, set when the item is taken (pkg/registry/core/service/allocator/bitmap.go).
 *
 * The range is split in two **bands** by an offset (upstream's KEP-3070 and KEP-3668):
 *
 * ```
 *  offset 0 ........ offset-1 | offset ................................ max-1
 *  static band: kept for       | dynamic band: allocateNext() picks here first, at a random
 *  requested values            | start, scanning up and wrapping; only when it is full does it
 *                              | look in the static band
 * ```
 * so that a user who asks for a fixed address (a DNS server's 127.96.0.10) rarely finds it taken
 * by a Service that did not care which address it got.
 *
 * @example
 * ```ts
 * const bits = new AllocationBitmap(100, 16, new Random(1));
 * bits.allocate(3);       // true: taken now
 * bits.allocate(3);       // false: already taken
 * bits.allocateNext();    // some offset in 16..99, never one that is taken
 * bits.release(3);
 * bits.free;              // 99
 * ```
 */
import { NotImplemented, type Random } from '@kube/kit';

/**
 * The size of the static band for a range of `size` items: `min(max(min, size/step), max)`, or 0
 * when `size <= min` (upstream's calculateRangeOffset). Cluster IPs use min 16, max 256, step 16
 * (the range's size counts the network and broadcast addresses); node ports min 16, max 128,
 * step 32.
 *
 * @example `rangeOffset(2 ** 20, { min: 16, max: 256, step: 16 })` → 256; `rangeOffset(2768, { min: 16, max: 128, step: 32 })` → 86
 */
export function rangeOffset(size: number, band: { min: number; max: number; step: number }): number {
  // TODO(26): 0 when size <= band.min; else size/step (rounded down), at least band.min and at most band.max.
  throw new NotImplemented('26', 'rangeOffset');
}

/** A bitmap of `max` items with a static band of `offset` items at its start. */
export class AllocationBitmap {
  /** how many items the range holds */
  readonly max: number;
  /** the size of the static band: items 0 … offset-1 */
  readonly offset: number;
  private readonly bits: Uint8Array;
  private readonly random: Random;
  private count = 0;

  /**
   * @param max - the number of items (offsets 0 … max-1)
   * @param offset - the static band's size, 0 <= offset <= max
   * @param random - where allocateNext's random start comes from
   */
  constructor(max: number, offset: number, random: Random) {
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`a bitmap needs a whole number of items >= 0, got ${max}`);
    if (!Number.isInteger(offset) || offset < 0 || offset > max) throw new RangeError(`the static band must hold 0 to ${max} items, got ${offset}`);
    this.max = max;
    this.offset = offset;
    this.random = random;
    this.bits = new Uint8Array(Math.ceil(max / 8));
  }

  /** How many items are free. */
  get free(): number {
    // TODO(26): max minus the number of items taken.
    throw new NotImplemented('26', 'AllocationBitmap.free');
  }

  /** True when the item is taken (false outside 0 … max-1). */
  has(offset: number): boolean {
    // TODO(26): false outside 0 … max-1; else whether the bit is set.
    throw new NotImplemented('26', 'AllocationBitmap.has');
  }

  /**
   * Takes one item. True when it was free (now taken); false when it was already taken.
   *
   * @throws RangeError for an offset outside 0 … max-1 (the callers check the range first)
   */
  allocate(offset: number): boolean {
    // TODO(26): a RangeError outside 0 … max-1; false when taken; else set the bit, count it, true.
    throw new NotImplemented('26', 'AllocationBitmap.allocate');
  }

  /**
   * Takes a free item: first in the dynamic band (offset … max-1), from a random start, scanning
   * upwards and wrapping inside the band; when the band is full, the same in the static band.
   * Undefined when every item is taken.
   */
  allocateNext(): number | undefined {
    // TODO(26): undefined when full; else scan the dynamic band (offset … max-1) from a random start (random.int),
    // TODO(26): wrapping inside the band; when it has no free item, the static band (0 … offset-1) the same way. Take what you find.
    throw new NotImplemented('26', 'AllocationBitmap.allocateNext');
  }

  /** Frees an item; freeing one that is free (or out of range) does nothing. */
  release(offset: number): void {
    // TODO(26): clear the bit if it is set (and count it); anything else: nothing.
    throw new NotImplemented('26', 'AllocationBitmap.release');
  }

  /** The offsets taken, lowest first. */
  allocated(): number[] {
    // TODO(26): every offset whose bit is set, lowest first.
    throw new NotImplemented('26', 'AllocationBitmap.allocated');
  }
}
