// WebGL2 side of the viewer: one context, one program, one texture per decoded channel plane.
// Planes are uploaded once (half as R16F from the raw bits, float as R32F, uint converted to R32F)
// and kept while their image is shown; every view change is a uniform change and one draw.

import type { ExrChannel } from "../decoder/types.js";
import { COLORMAP_SIZE, viridisTable } from "./colormap.js";
import { MAP_METRIC_CODE, SSIM_WINDOW_RADIUS } from "./pipeline.js";
import ssimSource from "./ssim.frag.glsl";
import fragmentSource from "./view.frag.glsl";
import vertexSource from "./view.vert.glsl";

/** Which planes to show, and where they sit in EXR pixel space. */
export interface PlaneSet {
  /** 1 to 3 colour planes (grey, two-channel, RGB-like). */
  colour: ExrChannel[];
  alpha: ExrChannel | null;
  /** Data window origin and size. */
  window: { x: number; y: number; width: number; height: number };
}

export interface DrawParams {
  a: PlaneSet;
  b: PlaneSet | null;
  metric: number;
  exposure: number;
  offset: number;
  gamma: number;
  tonemap: number;
  showNonFinite: boolean;
  zoom: number;
  panX: number;
  panY: number;
  grid: boolean;
  background: [number, number, number];
  checkerDark: [number, number, number];
  checkerLight: [number, number, number];
}

/** A horizontal band of the canvas (device px from the left) that a draw is limited to (the wipe). */
export interface CanvasBand {
  x: number;
  width: number;
}

const UNIFORMS = [
  "uA0", "uA1", "uA2", "uA3", "uB0", "uB1", "uB2", "uB3", "uColormap", "uMetricMap", "uExposure", "uOffset", "uGamma",
  "uCanvasSize", "uScreenOffset", "uZoom", "uPan", "uWindowA", "uWindowB", "uBackground", "uCheckerDark",
  "uCheckerLight",
] as const;
type UniformName = (typeof UNIFORMS)[number];

interface Program {
  program: WebGLProgram;
  uniforms: Record<UniformName, WebGLUniformLocation | null>;
}

export class RenderError extends Error {}

/** Compile-time switches of view.frag.glsl (see its header). */
interface ShaderDefines {
  TONEMAP: number;
  METRIC: number;
  COLOUR_CHANNELS: number;
  HAS_ALPHA: number;
  LINEAR_MIN: number;
  SHOW_NON_FINITE: number;
  GRID: number;
  RAW_OUTPUT: number;
}

/** A metric map computed by its own pass (SSIM) for one pair of planes, kept while both are. */
interface MetricMap {
  a: ExrChannel;
  b: ExrChannel;
  texture: WebGLTexture;
  framebuffer: WebGLFramebuffer;
  bytes: number;
}

const SSIM_UNIFORMS = [
  "uA0", "uA1", "uA2", "uB0", "uB1", "uB2", "uWindowA", "uWindowB", "uSize", "uLuma", "uSums", "uCross",
] as const;

interface SsimProgram {
  program: WebGLProgram;
  uniforms: Record<(typeof SSIM_UNIFORMS)[number], WebGLUniformLocation | null>;
}

/** Metric maps kept at most (each is one R32F texture the size of A). */
const MAX_METRIC_MAPS = 4;

const DEFAULT_DEFINES: ShaderDefines = {
  TONEMAP: 0,
  METRIC: 0,
  COLOUR_CHANNELS: 3,
  HAS_ALPHA: 0,
  LINEAR_MIN: 0,
  SHOW_NON_FINITE: 1,
  GRID: 0,
  RAW_OUTPUT: 0,
};

export class Renderer {
  readonly gl: WebGL2RenderingContext;
  /** Compiled variants of the one shader, by their #define block. */
  private readonly programs = new Map<string, Program>();
  private readonly zeroTexture: WebGLTexture;
  private readonly colormap: WebGLTexture;
  private readonly textures = new Map<ExrChannel, { texture: WebGLTexture; bytes: number; minFilter: number }>();
  private readonly maxTextureSize: number;
  private readonly floatLinear: boolean;
  private probeTarget: WebGLFramebuffer | null = null;
  private rawProbeTarget: WebGLFramebuffer | null = null;
  private readonly ssimPrograms = new Map<number, SsimProgram>();
  private metricMaps: MetricMap[] = [];
  /** Number of metric-map passes run so far (tests check they are cached). */
  metricPasses = 0;
  /** Number of plane uploads so far (tests check that view changes never re-upload). */
  uploads = 0;

  constructor(readonly canvas: HTMLCanvasElement) {
    const gl = canvas.getContext("webgl2", {
      antialias: false,
      alpha: false,
      depth: false,
      stencil: false,
      premultipliedAlpha: false,
      preserveDrawingBuffer: false,
    });
    if (!gl) throw new RenderError("WebGL2 is not available in this browser, so EXR images cannot be shown.");
    this.gl = gl;
    this.floatLinear = gl.getExtension("OES_texture_float_linear") !== null;
    // Rendering into R32F (the SSIM map) and RGBA32F (the float readout probe).
    gl.getExtension("EXT_color_buffer_float");
    this.maxTextureSize = gl.getParameter(gl.MAX_TEXTURE_SIZE) as number;
    this.programFor(DEFAULT_DEFINES); // fail early (and visibly) if the shader does not compile
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    this.zeroTexture = this.createTexture();
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.R32F, 1, 1, 0, gl.RED, gl.FLOAT, new Float32Array([0]));
    this.colormap = this.createTexture(gl.LINEAR, gl.LINEAR);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, COLORMAP_SIZE, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, viridisTable());
  }

  /** GPU bytes currently held by channel textures. */
  get textureBytes(): number {
    let total = 0;
    for (const t of this.textures.values()) total += t.bytes;
    for (const m of this.metricMaps) total += m.bytes;
    return total;
  }

  /** Uploads a plane if it is not on the GPU yet. Throws RenderError naming the channel on failure. */
  ensureUploaded(channel: ExrChannel, width: number, height: number): void {
    if (this.textures.has(channel)) return;
    const gl = this.gl;
    if (width > this.maxTextureSize || height > this.maxTextureSize) {
      throw new RenderError(
        `channel ${channel.name} is ${width}x${height} pixels; this GPU shows at most ` +
          `${this.maxTextureSize}x${this.maxTextureSize}`,
      );
    }
    const texture = this.createTexture();
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

  /** GPU bytes of a plane's texture (0 when it is not uploaded). */
  uploadedBytes(channel: ExrChannel): number {
    return this.textures.get(channel)?.bytes ?? 0;
  }

  /** Frees the textures of every plane not in `keep`. */
  releaseExcept(keep: Set<ExrChannel>): void {
    for (const [channel, entry] of this.textures) {
      if (!keep.has(channel)) {
        this.gl.deleteTexture(entry.texture);
        this.textures.delete(channel);
      }
    }
    this.metricMaps = this.metricMaps.filter((m) => {
      if (keep.has(m.a) && keep.has(m.b)) return true;
      this.deleteMetricMap(m);
      return false;
    });
  }

  /** Resizes the drawing buffer to the canvas's CSS size times devicePixelRatio. */
  resize(): { width: number; height: number } {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(this.canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(this.canvas.clientHeight * ratio));
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    return { width, height };
  }

  clear(rgb: [number, number, number]): void {
    const gl = this.gl;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(rgb[0], rgb[1], rgb[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
  }

  /** Draws to the canvas; `band` limits the draw to a vertical strip (the two sides of a wipe). */
  draw(params: DrawParams, band?: CanvasBand): void {
    const gl = this.gl;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    if (band) {
      gl.enable(gl.SCISSOR_TEST);
      gl.scissor(band.x, 0, band.width, this.canvas.height);
    }
    this.drawInto(params, this.canvas.width, this.canvas.height, 0, 0);
    if (band) gl.disable(gl.SCISSOR_TEST);
  }

  /**
   * The pipeline's value at one canvas pixel before exposure and tonemap (the metric's value
   * when comparing), as float32 RGBA: the readout shows what the GPU computed, not a JS copy.
   */
  probeValue(params: DrawParams, x: number, y: number): [number, number, number, number] {
    const gl = this.gl;
    if (!this.rawProbeTarget) {
      const texture = this.createTexture();
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA32F, 1, 1, 0, gl.RGBA, gl.FLOAT, null);
      const framebuffer = gl.createFramebuffer();
      if (!framebuffer) throw new RenderError("could not create a framebuffer");
      gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
      this.rawProbeTarget = framebuffer;
    }
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.rawProbeTarget);
    const panX = (x + 0.5 - this.canvas.width / 2) / params.zoom + params.panX;
    const panY = (y + 0.5 - this.canvas.height / 2) / params.zoom + params.panY;
    this.drawInto({ ...params, panX, panY }, 1, 1, x, y, true);
    const out = new Float32Array(4);
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.FLOAT, out);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    return [out[0]!, out[1]!, out[2]!, out[3]!];
  }

  /**
   * Displayed RGBA8 of one canvas pixel, computed by rendering just that pixel into a 1x1
   * offscreen target: the hover readout then costs one fragment, and the visible frame is untouched.
   */
  probe(params: DrawParams, x: number, y: number): [number, number, number, number] {
    const gl = this.gl;
    if (!this.probeTarget) {
      const texture = this.createTexture();
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, 1, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
      const framebuffer = gl.createFramebuffer();
      if (!framebuffer) throw new RenderError("could not create a framebuffer");
      gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
      this.probeTarget = framebuffer;
    }
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.probeTarget);
    // The 1x1 viewport's centre must land on the same image point as canvas pixel (x, y).
    const panX = (x + 0.5 - this.canvas.width / 2) / params.zoom + params.panX;
    const panY = (y + 0.5 - this.canvas.height / 2) / params.zoom + params.panY;
    this.drawInto({ ...params, panX, panY }, 1, 1, x, y);
    const out = new Uint8Array(4);
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, out);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    return [out[0]!, out[1]!, out[2]!, out[3]!];
  }

  /**
   * The pipeline's values (before exposure; the metric's when comparing) of every pixel of an
   * image-space rectangle, as interleaved float32 RGBA, rows from the bottom of the rectangle up.
   */
  readValues(params: DrawParams, rect: { x: number; y: number; width: number; height: number }): Float32Array {
    const gl = this.gl;
    const texture = this.createTexture();
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA32F, rect.width, rect.height, 0, gl.RGBA, gl.FLOAT, null);
    const framebuffer = gl.createFramebuffer();
    if (!framebuffer) throw new RenderError("could not create a framebuffer");
    try {
      gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
      // One fragment per image pixel: zoom 1 with the rectangle's centre in the middle.
      const view = { ...params, zoom: 1, grid: false, panX: rect.x + rect.width / 2, panY: rect.y + rect.height / 2 };
      this.drawInto(view, rect.width, rect.height, 0, 0, true);
      const out = new Float32Array(rect.width * rect.height * 4);
      gl.readPixels(0, 0, rect.width, rect.height, gl.RGBA, gl.FLOAT, out);
      return out;
    } finally {
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      gl.deleteFramebuffer(framebuffer);
      gl.deleteTexture(texture);
    }
  }

  private drawInto(
    params: DrawParams,
    width: number,
    height: number,
    offsetX: number,
    offsetY: number,
    raw = false,
  ): void {
    const gl = this.gl;
    const linearMin = params.zoom < 1 && this.floatLinear;
    const compare = params.b !== null && params.metric !== 0;
    const metricMap = compare && params.metric === MAP_METRIC_CODE ? this.metricMap(params.a, params.b!) : null;
    const { program, uniforms: u } = this.programFor({
      TONEMAP: params.tonemap,
      METRIC: compare ? params.metric : 0,
      COLOUR_CHANNELS: params.a.colour.length,
      HAS_ALPHA: params.a.alpha ? 1 : 0,
      LINEAR_MIN: linearMin ? 1 : 0,
      SHOW_NON_FINITE: params.showNonFinite ? 1 : 0,
      GRID: params.grid ? 1 : 0,
      RAW_OUTPUT: raw ? 1 : 0,
    });
    gl.viewport(0, 0, width, height);
    gl.useProgram(program);
    this.bindPlanes(params.a, 0, linearMin);
    this.bindPlanes(params.b ?? params.a, 4, linearMin);
    gl.activeTexture(gl.TEXTURE8);
    gl.bindTexture(gl.TEXTURE_2D, this.colormap);
    gl.activeTexture(gl.TEXTURE9);
    gl.bindTexture(gl.TEXTURE_2D, metricMap ?? this.zeroTexture);
    (["uA0", "uA1", "uA2", "uA3", "uB0", "uB1", "uB2", "uB3", "uColormap", "uMetricMap"] as const).forEach((name, unit) =>
      gl.uniform1i(u[name], unit),
    );
    gl.uniform1f(u.uExposure, params.exposure);
    gl.uniform1f(u.uOffset, params.offset);
    gl.uniform1f(u.uGamma, params.gamma);
    gl.uniform2f(u.uCanvasSize, width, height);
    gl.uniform2f(u.uScreenOffset, offsetX, offsetY);
    gl.uniform1f(u.uZoom, params.zoom);
    gl.uniform2f(u.uPan, params.panX, params.panY);
    const wa = params.a.window;
    const wb = (params.b ?? params.a).window;
    gl.uniform4i(u.uWindowA, wa.x, wa.y, wa.width, wa.height);
    gl.uniform4i(u.uWindowB, wb.x, wb.y, wb.width, wb.height);
    gl.uniform3fv(u.uBackground, params.background);
    gl.uniform3fv(u.uCheckerDark, params.checkerDark);
    gl.uniform3fv(u.uCheckerLight, params.checkerLight);
    gl.drawArrays(gl.TRIANGLES, 0, 3);
  }

  /**
   * RGBA8 of one canvas pixel (top-left origin). Only meaningful in the same task as draw():
   * the drawing buffer is not preserved after compositing.
   */
  readPixel(x: number, y: number): [number, number, number, number] {
    const gl = this.gl;
    const out = new Uint8Array(4);
    gl.readPixels(x, this.canvas.height - 1 - y, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, out);
    return [out[0]!, out[1]!, out[2]!, out[3]!];
  }

  glError(): number {
    return this.gl.getError();
  }

  dispose(): void {
    this.releaseExcept(new Set());
    this.gl.deleteTexture(this.zeroTexture);
    this.gl.deleteTexture(this.colormap);
    for (const { program } of this.programs.values()) this.gl.deleteProgram(program);
    this.programs.clear();
  }

  /** Number of shader variants compiled so far. */
  get programCount(): number {
    return this.programs.size;
  }

  /**
   * The 1 − SSIM map of A against B (R32F, A's data-window size), computed on first use by
   * ssim.frag.glsl and kept while both images' planes are.
   */
  private metricMap(a: PlaneSet, b: PlaneSet): WebGLTexture {
    const keyA = a.colour[0]!;
    const keyB = b.colour[0]!;
    const found = this.metricMaps.find((m) => m.a === keyA && m.b === keyB);
    if (found) return found.texture;
    const gl = this.gl;
    // The passes run in the middle of a draw: remember the caller's target and scissor.
    const target = gl.getParameter(gl.FRAMEBUFFER_BINDING) as WebGLFramebuffer | null;
    const scissor = gl.isEnabled(gl.SCISSOR_TEST);
    gl.disable(gl.SCISSOR_TEST);
    const { width, height } = a.window;
    const floatTarget = (internal: number, format: number): WebGLTexture => {
      const texture = this.createTexture();
      gl.texImage2D(gl.TEXTURE_2D, 0, internal, width, height, 0, format, gl.FLOAT, null);
      return texture;
    };
    const luma = floatTarget(gl.RG32F, gl.RG);
    const sums = floatTarget(gl.RGBA32F, gl.RGBA);
    const cross = floatTarget(gl.R32F, gl.RED);
    const texture = floatTarget(gl.R32F, gl.RED);
    const scratch = gl.createFramebuffer();
    const framebuffer = gl.createFramebuffer();
    if (!scratch || !framebuffer) throw new RenderError("could not create a framebuffer for the SSIM map");
    const attach = (fb: WebGLFramebuffer, ...textures: WebGLTexture[]) => {
      gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
      textures.forEach((t, i) => gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0 + i, gl.TEXTURE_2D, t, 0));
      gl.drawBuffers(textures.map((_, i) => gl.COLOR_ATTACHMENT0 + i));
      if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) {
        throw new RenderError("this GPU cannot render float maps (EXT_color_buffer_float), so SSIM is unavailable");
      }
    };
    const input = (unit: number, t: WebGLTexture) => {
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, t);
    };
    try {
      gl.viewport(0, 0, width, height);
      // 0: luma of A and B.
      attach(scratch, luma);
      let p = this.ssimProgram(0, a.colour.length);
      this.bindPlanes(a, 0, false);
      this.bindPlanes(b, 4, false);
      (["uA0", "uA1", "uA2"] as const).forEach((name, unit) => gl.uniform1i(p.uniforms[name], unit));
      (["uB0", "uB1", "uB2"] as const).forEach((name, unit) => gl.uniform1i(p.uniforms[name], unit + 4));
      gl.uniform4i(p.uniforms.uWindowA, a.window.x, a.window.y, a.window.width, a.window.height);
      gl.uniform4i(p.uniforms.uWindowB, b.window.x, b.window.y, b.window.width, b.window.height);
      gl.uniform2i(p.uniforms.uSize, width, height);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
      // 1: horizontal window sums (two targets).
      attach(scratch, sums, cross);
      p = this.ssimProgram(1, a.colour.length);
      input(10, luma);
      gl.uniform1i(p.uniforms.uLuma, 10);
      gl.uniform2i(p.uniforms.uSize, width, height);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
      // 2: vertical sums and SSIM.
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT1, gl.TEXTURE_2D, null, 0);
      attach(framebuffer, texture);
      p = this.ssimProgram(2, a.colour.length);
      input(10, sums);
      input(11, cross);
      gl.uniform1i(p.uniforms.uSums, 10);
      gl.uniform1i(p.uniforms.uCross, 11);
      gl.uniform2i(p.uniforms.uSize, width, height);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
      this.metricPasses += 1;
    } finally {
      gl.bindFramebuffer(gl.FRAMEBUFFER, scratch);
      gl.drawBuffers([gl.COLOR_ATTACHMENT0]);
      gl.deleteFramebuffer(scratch);
      [luma, sums, cross].forEach((t) => gl.deleteTexture(t));
      gl.bindFramebuffer(gl.FRAMEBUFFER, target);
      if (scissor) gl.enable(gl.SCISSOR_TEST);
    }
    this.metricMaps.push({ a: keyA, b: keyB, texture, framebuffer, bytes: width * height * 4 });
    while (this.metricMaps.length > MAX_METRIC_MAPS) this.deleteMetricMap(this.metricMaps.shift()!);
    return texture;
  }

  /** The SSIM pass program of one stage (ssim.frag.glsl), compiled once. */
  private ssimProgram(stage: number, channels: number): SsimProgram {
    const key = stage * 10 + channels;
    let entry = this.ssimPrograms.get(key);
    if (!entry) {
      const gl = this.gl;
      const defines =
        `#define STAGE ${stage}\n#define COLOUR_CHANNELS ${channels}\n#define WINDOW_RADIUS ${SSIM_WINDOW_RADIUS}\n`;
      const program = linkProgram(gl, vertexSource, `#version 300 es\n${defines}${ssimSource}`);
      const uniforms = Object.fromEntries(SSIM_UNIFORMS.map((n) => [n, gl.getUniformLocation(program, n)]));
      entry = { program, uniforms: uniforms as SsimProgram["uniforms"] };
      this.ssimPrograms.set(key, entry);
    }
    this.gl.useProgram(entry.program);
    return entry;
  }

  private deleteMetricMap(m: MetricMap): void {
    this.gl.deleteFramebuffer(m.framebuffer);
    this.gl.deleteTexture(m.texture);
  }

  private programFor(defines: ShaderDefines): Program {
    const key = Object.entries(defines)
      .map(([name, value]) => `#define ${name} ${value}\n`)
      .join("");
    let entry = this.programs.get(key);
    if (!entry) {
      const gl = this.gl;
      const program = linkProgram(gl, vertexSource, `#version 300 es\n${key}${fragmentSource}`);
      const uniforms = Object.fromEntries(
        UNIFORMS.map((name) => [name, gl.getUniformLocation(program, name)]),
      ) as Record<UniformName, WebGLUniformLocation | null>;
      entry = { program, uniforms };
      this.programs.set(key, entry);
    }
    return entry;
  }

  private bindPlanes(set: PlaneSet, firstUnit: number, linearMin: boolean): void {
    const gl = this.gl;
    const planes = [set.colour[0], set.colour[1], set.colour[2], set.alpha ?? undefined];
    planes.forEach((plane, i) => {
      gl.activeTexture(gl.TEXTURE0 + firstUnit + i);
      const entry = plane ? this.textures.get(plane) : undefined;
      gl.bindTexture(gl.TEXTURE_2D, entry ? entry.texture : this.zeroTexture);
      // Only on change: some drivers revalidate the whole texture when its sampling state is set.
      const minFilter = linearMin ? gl.LINEAR : gl.NEAREST;
      if (entry && entry.minFilter !== minFilter) {
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, minFilter);
        entry.minFilter = minFilter;
      }
    });
  }

  private createTexture(min: number = WebGL2RenderingContext.NEAREST, mag: number = min): WebGLTexture {
    const gl = this.gl;
    const texture = gl.createTexture();
    if (!texture) throw new RenderError("the GPU could not allocate a texture (context lost?)");
    // Unit 15 is reserved for uploads, so creating a texture never disturbs bound inputs
    // (a feedback-loop pitfall seen with SwiftShader).
    gl.activeTexture(gl.TEXTURE15);
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, min);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, mag);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    return texture;
  }
}

function compile(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type);
  if (!shader) throw new RenderError("could not create a shader");
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
    throw new RenderError(`shader compile error: ${gl.getShaderInfoLog(shader) ?? "unknown"}`);
  }
  return shader;
}

function linkProgram(gl: WebGL2RenderingContext, vs: string, fs: string): WebGLProgram {
  const program = gl.createProgram();
  if (!program) throw new RenderError("could not create a shader program");
  gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, vs));
  gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, fs));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
    throw new RenderError(`shader link error: ${gl.getProgramInfoLog(program) ?? "unknown"}`);
  }
  return program;
}
