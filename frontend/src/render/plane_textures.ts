// One GPU texture per decoded channel plane: half as R16F from the raw bits, float as R32F, uint
// converted to R32F. Uploading is an explicit step (`upload`); binding a plane that was never
// uploaded binds an all-zero texture instead of uploading it behind the caller's back.

import type { ExrChannel } from "../decoder/types.js";
import { createTexture, RenderError } from "./gl_resources.js";

/** Which planes to show, and where they sit in EXR pixel space. */
export interface PlaneSet {
  /** 1 to 3 colour planes (grey, two-channel, RGB-like). */
  colour: ExrChannel[];
  alpha: ExrChannel | null;
  /** Data window origin and size (the planes' size). */
  window: { x: number; y: number; width: number; height: number };
}

interface PlaneTexture {
  texture: WebGLTexture;
  bytes: number;
  minFilter: number;
}

export class PlaneTextures {
  private readonly textures = new Map<ExrChannel, PlaneTexture>();
  private readonly zero: WebGLTexture;
  private readonly maxSize: number;
  /** Number of plane uploads so far (tests check that view changes never re-upload). */
  uploads = 0;

  constructor(private readonly gl: WebGL2RenderingContext) {
    this.maxSize = gl.getParameter(gl.MAX_TEXTURE_SIZE) as number;
    this.zero = createTexture(gl);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.R32F, 1, 1, 0, gl.RED, gl.FLOAT, new Float32Array([0]));
  }

  /** A 1x1 texture holding 0, bound wherever a plane or map is absent. */
  get zeroTexture(): WebGLTexture {
    return this.zero;
  }

  /** Number of plane textures held (the overview's live-texture counter). */
  get count(): number {
    return this.textures.size;
  }

  /** GPU bytes held by plane textures. */
  get bytes(): number {
    let total = 0;
    for (const t of this.textures.values()) total += t.bytes;
    return total;
  }

  /** Uploads the planes of `set` that are not on the GPU yet. Throws RenderError naming a channel. */
  upload(set: PlaneSet): void {
    for (const channel of planesOf(set)) this.uploadPlane(channel, set.window.width, set.window.height);
  }

  /** Whether every plane of `set` is on the GPU. */
  holds(set: PlaneSet): boolean {
    return planesOf(set).every((channel) => this.textures.has(channel));
  }

  /** GPU bytes of a plane's texture (0 when it is not uploaded). */
  uploadedBytes(channel: ExrChannel): number {
    return this.textures.get(channel)?.bytes ?? 0;
  }

  /** Frees the textures of every plane not in `keep`. */
  releaseExcept(keep: Set<ExrChannel>): void {
    this.release([...this.textures.keys()].filter((channel) => !keep.has(channel)));
  }

  /** Frees the textures of these planes. */
  release(channels: readonly ExrChannel[]): void {
    for (const channel of channels) {
      const entry = this.textures.get(channel);
      if (!entry) continue;
      this.gl.deleteTexture(entry.texture);
      this.textures.delete(channel);
    }
  }

  /**
   * Takes `texture` (made on the GPU, e.g. a reduced copy) as the plane of `channel`: it is then
   * bound, held and released like an uploaded plane.
   */
  adopt(channel: ExrChannel, texture: WebGLTexture, bytes: number): void {
    this.release([channel]);
    this.textures.set(channel, { texture, bytes, minFilter: this.gl.NEAREST });
  }

  /** Binds colour planes 0–2 and alpha of `set` to units firstUnit..firstUnit+3. */
  bind(set: PlaneSet, firstUnit: number, linearMin: boolean): void {
    const gl = this.gl;
    const planes = [set.colour[0], set.colour[1], set.colour[2], set.alpha ?? undefined];
    planes.forEach((plane, i) => {
      gl.activeTexture(gl.TEXTURE0 + firstUnit + i);
      const entry = plane ? this.textures.get(plane) : undefined;
      gl.bindTexture(gl.TEXTURE_2D, entry ? entry.texture : this.zero);
      // Only on change: some drivers revalidate the whole texture when its sampling state is set.
      const minFilter = linearMin ? gl.LINEAR : gl.NEAREST;
      if (entry && entry.minFilter !== minFilter) {
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, minFilter);
        entry.minFilter = minFilter;
      }
    });
  }

  dispose(): void {
    this.releaseExcept(new Set());
    this.gl.deleteTexture(this.zero);
  }

  private uploadPlane(channel: ExrChannel, width: number, height: number): void {
    if (this.textures.has(channel)) return;
    const gl = this.gl;
    if (width > this.maxSize || height > this.maxSize) {
      throw new RenderError(
        `channel ${channel.name} is ${width}x${height} pixels; this GPU shows at most ${this.maxSize}x${this.maxSize}`,
      );
    }
    const texture = createTexture(gl);
    let bytes: number;
    if (channel.pixelType === "half") {
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.R16F, width, height, 0, gl.RED, gl.HALF_FLOAT, channel.data);
      bytes = width * height * 2;
    } else {
      // uint has no filterable GPU format; float32 keeps ids exact up to 2^24, and the readout
      // shows the exact integers from the decoded plane anyway.
      const data = channel.data instanceof Float32Array ? channel.data : Float32Array.from(channel.data);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.R32F, width, height, 0, gl.RED, gl.FLOAT, data);
      bytes = width * height * 4;
    }
    const error = gl.getError();
    if (error !== gl.NO_ERROR) {
      gl.deleteTexture(texture);
      throw new RenderError(`uploading channel ${channel.name} (${width}x${height}) failed: GL error ${error}`);
    }
    this.textures.set(channel, { texture, bytes, minFilter: gl.NEAREST });
    this.uploads += 1;
  }
}

/** Every plane of a set, alpha included. */
export function planesOf(set: PlaneSet): ExrChannel[] {
  return set.alpha ? [...set.colour, set.alpha] : [...set.colour];
}
