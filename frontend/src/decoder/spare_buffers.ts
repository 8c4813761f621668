// Buffers the decoder reuses instead of allocating: the output buffers a worker prepares while it
// is idle (SpareBuffers), and the file copies the pool sends to the workers (FileCopies).
//
// The planes of a decoded band leave the wasm heap by a copy into a fresh ArrayBuffer, which is
// then transferred away. Writing into fresh memory costs a page fault per 4 KiB page: for a 4K
// half RGBA frame (66 MB) that is most of the copy's time (about 38 of 47 ms on the 2-vCPU
// development VM, where faults are dear; a few ms on bare metal). When scrubbing, the next frame
// almost always has the same size, so after answering a request the worker allocates buffers of
// the sizes it just produced and touches every page, in small slices between messages so that a
// new request is never delayed by more than one slice. The next decode copies into warm memory.
// The page faults still happen, in the worker's idle time instead of on the request's path.

import { type ByteRange, rangesLength } from "./band_bytes";

/** Bytes touched per slice (about 2 ms of page faults on the development VM). */
const SLICE_BYTES = 4 * 1024 * 1024;
const PAGE_BYTES = 4096;
/** Never hold more than this in prepared buffers (per worker). */
export const SPARE_MAX_BYTES = 256 * 1024 * 1024;
/** Prepared buffers nobody took within this time are dropped (memory is not kept for nothing). */
const SPARE_IDLE_MS = 10_000;

/** Calls `drop` once nothing has called restart() for SPARE_IDLE_MS. */
class IdleDrop {
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly drop: () => void) {}

  restart(): void {
    this.cancel();
    this.timer = setTimeout(this.drop, SPARE_IDLE_MS);
    // Under node, a pending timer must not keep the process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

export class SpareBuffers {
  constructor(private readonly maxBytes: number = SPARE_MAX_BYTES) {}

  private ready: ArrayBuffer[] = [];
  private todo: number[] = [];
  private current: { buffer: ArrayBuffer; view: Uint8Array; offset: number } | null = null;
  private sliceTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly idleDrop = new IdleDrop(() => this.clear());

  /** A buffer of exactly `size` bytes: a prepared one if there is one, else a new one. */
  take(size: number): ArrayBuffer {
    const i = this.ready.findIndex((b) => b.byteLength === size);
    if (i >= 0) return this.ready.splice(i, 1)[0];
    if (this.current?.buffer.byteLength === size) {
      // Partly prepared: the rest of its pages fault during the copy, as with a new buffer.
      const buffer = this.current.buffer;
      this.current = null;
      return buffer;
    }
    return new ArrayBuffer(size);
  }

  /** A buffer the worker used and still owns: ready for the next take() of its size. */
  reuse(buffer: ArrayBuffer): void {
    if (buffer.byteLength > 0 && this.heldBytes + buffer.byteLength <= this.maxBytes) this.ready.push(buffer);
  }

  /** A request starts: stop preparing (what is ready stays ready). */
  pause(): void {
    if (this.sliceTimer) clearTimeout(this.sliceTimer);
    this.sliceTimer = null;
  }

  /** The worker is idle after producing buffers of these sizes: prepare the same again. */
  prepare(sizes: readonly number[]): void {
    this.pause();
    let total = 0;
    const wanted: number[] = [];
    for (const size of sizes) {
      if (size <= 0 || total + size > this.maxBytes) continue;
      total += size;
      wanted.push(size);
    }
    // Keep what matches the new sizes, drop the rest.
    const keep: ArrayBuffer[] = [];
    this.todo = [];
    for (const size of wanted) {
      const i = this.ready.findIndex((b) => b.byteLength === size);
      if (i >= 0) keep.push(this.ready.splice(i, 1)[0]);
      else this.todo.push(size);
    }
    this.ready = keep;
    if (this.current) {
      // A buffer still being prepared counts for one of the sizes wanted, or is dropped.
      const i = this.todo.indexOf(this.current.buffer.byteLength);
      if (i >= 0) this.todo.splice(i, 1);
      else this.current = null;
    }
    this.idleDrop.restart();
    this.scheduleSlice();
  }

  /** Drops every prepared buffer. */
  clear(): void {
    this.pause();
    this.idleDrop.cancel();
    this.ready = [];
    this.todo = [];
    this.current = null;
  }

  /** Bytes held in prepared (or partly prepared) buffers. */
  get heldBytes(): number {
    return this.ready.reduce((n, b) => n + b.byteLength, 0) + (this.current?.buffer.byteLength ?? 0);
  }

  private scheduleSlice(): void {
    if (this.sliceTimer || (!this.current && this.todo.length === 0)) return;
    this.sliceTimer = setTimeout(() => {
      this.sliceTimer = null;
      this.touchSlice();
      this.scheduleSlice();
    }, 0);
  }

  private touchSlice(): void {
    if (!this.current) {
      const size = this.todo.shift();
      if (size === undefined) return;
      const buffer = new ArrayBuffer(size);
      this.current = { buffer, view: new Uint8Array(buffer), offset: 0 };
    }
    const { view } = this.current;
    const end = Math.min(view.length, this.current.offset + SLICE_BYTES);
    // One write per page makes the kernel map it; the buffer is zero-filled memory either way.
    for (let i = this.current.offset; i < end; i += PAGE_BYTES) view[i] = 0;
    this.current.offset = end;
    if (end >= view.length) {
      this.ready.push(this.current.buffer);
      this.current = null;
    }
  }
}

/**
 * Copies of the file for the workers of a parallel decode, made into buffers that earlier
 * decodes handed back: copying into memory that is already mapped avoids a page fault per 4 KiB
 * (half the cost of a fresh copy). Files of one tag differ in size from step to step, so a spare
 * serves any file up to its length (the request says how many bytes are the file).
 */
export class FileCopies {
  private spares: ArrayBuffer[] = [];
  private readonly idleDrop = new IdleDrop(() => this.clear());

  copy(bytes: ArrayBuffer): ArrayBuffer {
    const spare = this.spareFor(bytes.byteLength);
    if (!spare) return bytes.slice(0);
    new Uint8Array(spare).set(new Uint8Array(bytes));
    return spare;
  }

  /** Copies these ranges of the file back to back; returns where each landed (`from`). */
  copyRanges(bytes: ArrayBuffer, ranges: readonly ByteRange[]): { buffer: ArrayBuffer; ranges: ByteRange[] } {
    const buffer = this.spareFor(rangesLength(ranges)) ?? new ArrayBuffer(rangesLength(ranges));
    const target = new Uint8Array(buffer);
    let from = 0;
    const placed = ranges.map((r) => {
      target.set(new Uint8Array(bytes, r.at, r.length), from);
      from += r.length;
      return { at: r.at, length: r.length, from: from - r.length };
    });
    return { buffer, ranges: placed };
  }

  /** The smallest spare that holds `size` bytes, if it is not wastefully large. */
  private spareFor(size: number): ArrayBuffer | null {
    let best = -1;
    this.spares.forEach((b, i) => {
      const fits = b.byteLength >= size && b.byteLength <= 2 * size + 65536;
      if (fits && (best < 0 || b.byteLength < this.spares[best].byteLength)) best = i;
    });
    return best < 0 ? null : this.spares.splice(best, 1)[0];
  }

  give(buffer: ArrayBuffer, keep: number): void {
    if (buffer.byteLength === 0) return;
    this.spares.push(buffer);
    if (this.spares.length > keep) this.spares.shift();
    this.idleDrop.restart();
  }

  clear(): void {
    this.idleDrop.cancel();
    this.spares = [];
  }
}
