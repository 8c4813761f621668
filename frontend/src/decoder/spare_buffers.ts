// Output buffers a decoder worker prepares while it is idle.
//
// The planes of a decoded band leave the wasm heap by a copy into a fresh ArrayBuffer, which is
// then transferred away. Writing into fresh memory costs a page fault per 4 KiB page: for a 4K
// half RGBA frame (66 MB) that is most of the copy's time (about 38 of 47 ms on the 2-vCPU
// development VM, where faults are dear; a few ms on bare metal). When scrubbing, the next frame
// almost always has the same size, so after answering a request the worker allocates buffers of
// the sizes it just produced and touches every page, in small slices between messages so that a
// new request is never delayed by more than one slice. The next decode copies into warm memory.
// The page faults still happen, in the worker's idle time instead of on the request's path.

/** Bytes touched per slice (about 2 ms of page faults on the development VM). */
const SLICE_BYTES = 4 * 1024 * 1024;
const PAGE_BYTES = 4096;
/** Never hold more than this in prepared buffers (per worker). */
export const SPARE_MAX_BYTES = 256 * 1024 * 1024;
/** Prepared buffers nobody took within this time are dropped (memory is not kept for nothing). */
const SPARE_IDLE_MS = 10_000;

export class SpareBuffers {
  constructor(private readonly maxBytes: number = SPARE_MAX_BYTES) {}

  private ready: ArrayBuffer[] = [];
  private todo: number[] = [];
  private current: { buffer: ArrayBuffer; view: Uint8Array; offset: number } | null = null;
  private sliceTimer: ReturnType<typeof setTimeout> | null = null;
  private dropTimer: ReturnType<typeof setTimeout> | null = null;

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
    if (this.dropTimer) clearTimeout(this.dropTimer);
    this.dropTimer = setTimeout(() => this.clear(), SPARE_IDLE_MS);
    // Under node, a pending timer must not keep the process alive.
    (this.dropTimer as { unref?: () => void }).unref?.();
    this.scheduleSlice();
  }

  /** Drops every prepared buffer. */
  clear(): void {
    this.pause();
    if (this.dropTimer) clearTimeout(this.dropTimer);
    this.dropTimer = null;
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
