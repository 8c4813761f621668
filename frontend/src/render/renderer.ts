// WebGL2 side of the viewer: one context, one shader (view.frag.glsl) compiled per variant, one
// texture per decoded channel plane (plane_textures.ts). Planes are uploaded once, by an explicit
// `upload`, and kept while their image is shown; every view change is a uniform change and one draw.

import type { ExrChannel } from "../decoder/types.js";
import { COLORMAP_SIZE, viridisTable } from "./colormap.js";
import { createFramebuffer, createTargetTexture, createTexture, linkProgram, RenderError, uniformLocations } from "./gl_resources.js";
import { type Metric, metricInfo, type Tonemap } from "./pipeline.js";
import { type PlaneSet, PlaneTextures } from "./plane_textures.js";
import { ReducePass } from "./reduce_pass.js";
import { CODE_DEFINES, type ShaderVariant, variantDefines } from "./shader_defines.js";
import { MAX_METRIC_MAPS, SsimPass } from "./ssim_pass.js";
import fragmentSource from "./view.frag.glsl";
import { ViewTransform } from "./view_transform.js";
import vertexSource from "./view.vert.glsl";

export { RenderError } from "./gl_resources.js";
export type { PlaneSet } from "./plane_textures.js";

/** Everything a draw shows except where (the ViewTransform): made by the viewer, without side effects. */
export interface DrawParams {
  a: PlaneSet;
  /** The reference, when `metric` compares A with it. */
  b: PlaneSet | null;
  /** "none" unless `b` is set (per-pixel metrics) or a map metric applies to A and B. */
  metric: Metric;
  /** The ε of the metric's formula (`uMetricEpsilon`). */
  metricEpsilon: number;
  /**
   * 3x3 colour matrices (Imath's row-vector layout, rgb' = rgb · M) taking A's and B's RGB to linear
   * Rec.709: before the metric when comparing (both), else A's for display. null: none (identity,
   * and no multiplication: an identity matrix would turn an infinite channel's zero products into NaN).
   */
  colourMatrixA: readonly number[] | null;
  colourMatrixB: readonly number[] | null;
  exposure: number;
  offset: number;
  gamma: number;
  tonemap: Tonemap;
  showNonFinite: boolean;
  grid: boolean;
  background: [number, number, number];
  checkerDark: [number, number, number];
  checkerLight: [number, number, number];
}

/** A vertical band of the canvas (device px from the left) that a draw is limited to (the wipe). */
export interface CanvasBand {
  x: number;
  width: number;
}

type UniformSetter = (gl: WebGL2RenderingContext, at: WebGLUniformLocation | null, p: DrawParams, t: ViewTransform) => void;

/** Every value uniform of view.frag.glsl and where it comes from: a new uniform is one row. */
const VALUE_UNIFORMS = {
  uExposure: (gl, at, p) => gl.uniform1f(at, p.exposure),
  uOffset: (gl, at, p) => gl.uniform1f(at, p.offset),
  uGamma: (gl, at, p) => gl.uniform1f(at, p.gamma),
  uMetricEpsilon: (gl, at, p) => gl.uniform1f(at, p.metricEpsilon),
  // GLSL reads the 9 values column by column, so `M * c` is the row vector c times Imath's M.
  uColourMatrixA: (gl, at, p) => gl.uniformMatrix3fv(at, false, p.colourMatrixA ?? IDENTITY),
  uColourMatrixB: (gl, at, p) => gl.uniformMatrix3fv(at, false, p.colourMatrixB ?? IDENTITY),
  uViewportSize: (gl, at, _, t) => gl.uniform2f(at, t.viewport.width, t.viewport.height),
  uViewportOrigin: (gl, at, _, t) => gl.uniform2f(at, t.viewport.x, t.viewport.y),
  uViewScale: (gl, at, _, t) => gl.uniform2f(at, t.scaleX, t.scaleY),
  uViewCentre: (gl, at, _, t) => gl.uniform2f(at, t.centreX, t.centreY),
  uWindowA: (gl, at, p) => setWindow(gl, at, p.a),
  uWindowB: (gl, at, p) => setWindow(gl, at, p.b ?? p.a),
  uBackground: (gl, at, p) => gl.uniform3fv(at, p.background),
  uCheckerDark: (gl, at, p) => gl.uniform3fv(at, p.checkerDark),
  uCheckerLight: (gl, at, p) => gl.uniform3fv(at, p.checkerLight),
} satisfies Record<string, UniformSetter>;

const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** The texture unit of every sampler: A's planes 0–3, B's 4–7. */
const SAMPLER_UNITS = {
  uA0: 0, uA1: 1, uA2: 2, uA3: 3, uB0: 4, uB1: 5, uB2: 6, uB3: 7, uColormap: 8, uMetricMap: 9,
} as const;

type UniformName = keyof typeof VALUE_UNIFORMS | keyof typeof SAMPLER_UNITS;
const UNIFORM_NAMES = [...Object.keys(VALUE_UNIFORMS), ...Object.keys(SAMPLER_UNITS)] as UniformName[];

interface Program {
  program: WebGLProgram;
  uniforms: Record<UniformName, WebGLUniformLocation | null>;
}

const DEFAULT_VARIANT: ShaderVariant = {
  tonemap: "srgb",
  metric: "none",
  colourChannels: 3,
  hasAlpha: false,
  linearMin: false,
  showNonFinite: true,
  grid: false,
  rawOutput: false,
  colourMatrixA: false,
  colourMatrixB: false,
};

/** The default view's settings (viewer/state.ts) for prewarm(): they pick the shader variant. */
const PREWARM_VIEW: Omit<DrawParams, "a" | "b"> = {
  metric: "none",
  metricEpsilon: 0,
  colourMatrixA: null,
  colourMatrixB: null,
  exposure: 0,
  offset: 0,
  gamma: 2.2,
  tonemap: "srgb",
  showNonFinite: true,
  grid: false,
  background: [0, 0, 0],
  checkerDark: [0, 0, 0],
  checkerLight: [0, 0, 0],
};

export interface RendererOptions {
  /** Metric maps (SSIM) kept at once: the pairs drawn together (the overview's error cards). */
  metricMaps?: number;
}

export class Renderer {
  readonly gl: WebGL2RenderingContext;
  /** Compiled variants of the one shader, by their #define block. */
  private readonly programs = new Map<string, Program>();
  private readonly planes: PlaneTextures;
  private readonly ssim: SsimPass;
  private readonly reduction: ReducePass;
  private readonly colormap: WebGLTexture;
  private readonly floatLinear: boolean;
  /** 1x1 targets of the readout's probes: displayed RGBA8, and float values. */
  private readonly probeTargets = new Map<number, WebGLFramebuffer>();

  constructor(
    readonly canvas: HTMLCanvasElement,
    options: RendererOptions = {},
  ) {
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
    this.programFor(DEFAULT_VARIANT); // fail early (and visibly) if the shader does not compile
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    this.planes = new PlaneTextures(gl);
    this.ssim = new SsimPass(gl, this.planes, options.metricMaps ?? MAX_METRIC_MAPS);
    this.reduction = new ReducePass(gl, this.planes);
    this.colormap = createTexture(gl, gl.LINEAR, gl.LINEAR);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, COLORMAP_SIZE, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, viridisTable());
  }

  /**
   * Draws a 2×2 stand-in for the image a page most likely shows first (half RGB, zoomed out and
   * in, the default view) and clears the canvas again, all in one task, so nothing of it
   * is ever seen. Why: WebGL implementations build a program's machine code for the state it is
   * drawn with at its first draw, not at link (ANGLE makes its pipeline then; SwiftShader compiles
   * it then): ~60 ms of a first 1080p image's 150 ms upload+draw here (bench/bench_cold_start.py).
   * A page calls this while it waits for its first image's bytes; the GPU process builds the
   * pipelines meanwhile (no read-back: nothing here waits for them).
   */
  prewarm(): void {
    const gl = this.gl;
    const planes: ExrChannel[] = ["R", "G", "B"].map((name) => ({
      name: `prewarm.${name}`,
      pixelType: "half",
      xSampling: 1,
      ySampling: 1,
      data: new Uint16Array(4),
    }));
    for (const channel of planes) {
      const texture = createTexture(gl);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.R16F, 2, 2, 0, gl.RED, gl.HALF_FLOAT, channel.data);
      this.planes.adopt(channel, texture, 8);
    }
    const dataWindow = { x: 0, y: 0, width: 2, height: 2 };
    const size = { width: this.canvas.width, height: this.canvas.height };
    try {
      const params: DrawParams = { ...PREWARM_VIEW, a: { colour: planes, alpha: null, window: dataWindow }, b: null };
      // Zoomed out (bilinear minification) and in: the two samplings a fitted first image takes.
      // Each variant costs a link here and a pipeline in the GPU process (~30–50 ms on
      // SwiftShader): RGBA, grey and other variants are left to their first image.
      for (const zoom of [0.5, 2]) {
        gl.bindFramebuffer(gl.FRAMEBUFFER, null);
        this.drawInto(params, ViewTransform.forView({ zoom, panX: 1, panY: 1 }, size), false);
      }
    } catch {
      // Only a head start: a variant that fails here fails again when an image is drawn, and
      // the viewer shows that error then, where the reader sees it.
    } finally {
      this.planes.release(planes);
      this.clear([0, 0, 0]);
      gl.flush();
    }
  }

  /** GPU bytes held by channel textures and metric maps. */
  get textureBytes(): number {
    return this.planes.bytes + this.ssim.bytes;
  }

  /** Number of plane uploads so far. */
  get uploads(): number {
    return this.planes.uploads;
  }

  /** Textures held for planes (uploaded or reduced) and metric maps. */
  get textureCount(): number {
    return this.planes.count + this.ssim.count;
  }

  /** Number of metric maps (SSIM) computed so far. */
  get metricPasses(): number {
    return this.ssim.passes;
  }

  /** Puts the planes a draw needs on the GPU (those already there cost nothing). */
  upload(params: DrawParams): void {
    this.planes.upload(params.a);
    if (params.b) this.planes.upload(params.b);
  }

  /**
   * `set` reduced by `factor` (≥ 2) on the GPU (box means, reduce_pass.ts), its window at the
   * origin; only the reduced copy stays on the GPU. Drawing it at the same place takes a view
   * zoomed by `factor` about that origin.
   */
  reduce(set: PlaneSet, factor: number): PlaneSet {
    return this.reduction.reduce(set, factor);
  }

  /** Whether every plane of `params` is on the GPU (read-backs never upload). */
  holds(params: DrawParams): boolean {
    return this.planes.holds(params.a) && (!params.b || this.planes.holds(params.b));
  }

  /** GPU bytes of a plane's texture (0 when it is not uploaded). */
  uploadedBytes(channel: ExrChannel): number {
    return this.planes.uploadedBytes(channel);
  }

  /** Frees the textures (and metric maps) of every plane not in `keep`. */
  releaseExcept(keep: Set<ExrChannel>): void {
    this.planes.releaseExcept(keep);
    this.ssim.releaseExcept(keep);
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
  draw(params: DrawParams, transform: ViewTransform, band?: CanvasBand): void {
    const gl = this.gl;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    if (band) {
      gl.enable(gl.SCISSOR_TEST);
      gl.scissor(band.x, 0, band.width, this.canvas.height);
    }
    this.drawInto(params, transform, false);
    if (band) gl.disable(gl.SCISSOR_TEST);
  }

  /**
   * Canvas pixel (x, y) drawn alone into a 1x1 offscreen target, so a hover readout costs one
   * fragment and leaves the visible frame untouched: its displayed RGBA8, or with `raw` the value
   * before exposure and tonemap (the metric's, when comparing) as float32 RGBA — the readout shows
   * what the GPU computed, not a JS copy.
   */
  probe(params: DrawParams, transform: ViewTransform, x: number, y: number, raw = false): number[] {
    const gl = this.gl;
    const internal = raw ? gl.RGBA32F : gl.RGBA8;
    let framebuffer = this.probeTargets.get(internal);
    if (!framebuffer) {
      framebuffer = createFramebuffer(gl, createTargetTexture(gl, internal, 1, 1));
      this.probeTargets.set(internal, framebuffer);
    }
    gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
    this.drawInto(params, transform.viewportAt({ x, y, width: 1, height: 1 }), raw);
    const out = raw ? new Float32Array(4) : new Uint8Array(4);
    gl.readPixels(0, 0, 1, 1, gl.RGBA, raw ? gl.FLOAT : gl.UNSIGNED_BYTE, out);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    return Array.from(out);
  }

  /**
   * The values before exposure (the metric's when comparing) of every pixel of an image-space
   * rectangle, as interleaved float32 RGBA, rows from the bottom of the rectangle up. With a
   * `stride` > 1, of every stride-th pixel of every stride-th row only (exact values, no filtering).
   */
  readValues(params: DrawParams, rect: { x: number; y: number; width: number; height: number }, stride = 1): Float32Array {
    const transform = ViewTransform.pixelForPixel(rect, stride);
    const { width, height } = transform.viewport;
    const out = new Float32Array(width * height * 4);
    return this.drawOffscreen(this.gl.RGBA32F, width, height, out, () => this.drawInto(params, transform, true, stride > 1));
  }

  /**
   * What `draws` show (each limited to its band, as draw() does on the canvas) on a target of the
   * transform's viewport size, as RGBA8 read back top row first: the view as displayed, for export.
   */
  renderPixels(draws: ReadonlyArray<{ params: DrawParams; band?: CanvasBand | undefined }>, transform: ViewTransform): Uint8ClampedArray<ArrayBuffer> {
    const gl = this.gl;
    const { width, height } = transform.viewport;
    const max = gl.getParameter(gl.MAX_TEXTURE_SIZE) as number;
    if (width > max || height > max) throw new RenderError(`${width}×${height} px is more than this GPU renders at once (${max} px a side)`);
    const rows = this.drawOffscreen(gl.RGBA8, width, height, new Uint8Array(width * height * 4), () => {
      for (const { params, band } of draws) {
        if (band) {
          gl.enable(gl.SCISSOR_TEST);
          gl.scissor(band.x, 0, band.width, height);
        }
        this.drawInto(params, transform, false);
        if (band) gl.disable(gl.SCISSOR_TEST);
      }
    });
    // readPixels returns the bottom row first.
    const out = new Uint8ClampedArray(rows.length);
    const stride = width * 4;
    for (let y = 0; y < height; y++) out.set(rows.subarray((height - 1 - y) * stride, (height - y) * stride), y * stride);
    return out;
  }

  /** Runs `draw` into an offscreen target of format `internal` and reads it back into `out`. */
  private drawOffscreen<T extends Float32Array | Uint8Array>(internal: number, width: number, height: number, out: T, draw: () => void): T {
    const gl = this.gl;
    const texture = createTargetTexture(gl, internal, width, height);
    let framebuffer: WebGLFramebuffer | null = null;
    try {
      framebuffer = createFramebuffer(gl, texture);
      draw();
      gl.readPixels(0, 0, width, height, gl.RGBA, out instanceof Float32Array ? gl.FLOAT : gl.UNSIGNED_BYTE, out);
      return out;
    } finally {
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      gl.deleteFramebuffer(framebuffer);
      gl.deleteTexture(texture);
    }
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

  dispose(): void {
    this.planes.dispose();
    this.ssim.dispose();
    this.reduction.dispose();
    this.gl.deleteTexture(this.colormap);
    for (const { program } of this.programs.values()) this.gl.deleteProgram(program);
    this.programs.clear();
  }

  /** One draw into the bound target, whose size is the transform's viewport; `nearest` never filters. */
  private drawInto(params: DrawParams, transform: ViewTransform, raw: boolean, nearest = false): void {
    const gl = this.gl;
    const linearMin = !nearest && transform.minifies && this.floatLinear;
    const metric = params.b ? params.metric : "none";
    const metricMap =
      metricInfo(metric).kind === "map"
        ? this.ssim.mapFor(params.a, params.b!, params.colourMatrixA, params.colourMatrixB)
        : null;
    const { program, uniforms } = this.programFor({
      tonemap: params.tonemap,
      metric,
      colourChannels: params.a.colour.length,
      hasAlpha: params.a.alpha !== null,
      linearMin,
      showNonFinite: params.showNonFinite,
      // Raw values are written before the grid is drawn: one variant fewer to compile.
      grid: params.grid && !raw,
      rawOutput: raw,
      colourMatrixA: params.colourMatrixA !== null,
      colourMatrixB: params.b !== null && params.colourMatrixB !== null,
    });
    gl.viewport(0, 0, transform.viewport.width, transform.viewport.height);
    gl.useProgram(program);
    this.planes.bind(params.a, SAMPLER_UNITS.uA0, linearMin);
    this.planes.bind(params.b ?? params.a, SAMPLER_UNITS.uB0, linearMin);
    gl.activeTexture(gl.TEXTURE0 + SAMPLER_UNITS.uColormap);
    gl.bindTexture(gl.TEXTURE_2D, this.colormap);
    gl.activeTexture(gl.TEXTURE0 + SAMPLER_UNITS.uMetricMap);
    gl.bindTexture(gl.TEXTURE_2D, metricMap ?? this.planes.zeroTexture);
    for (const [name, unit] of Object.entries(SAMPLER_UNITS)) gl.uniform1i(uniforms[name as UniformName], unit);
    for (const [name, set] of Object.entries(VALUE_UNIFORMS) as Array<[UniformName, UniformSetter]>) {
      set(gl, uniforms[name], params, transform);
    }
    gl.drawArrays(gl.TRIANGLES, 0, 3);
  }

  private programFor(variant: ShaderVariant): Program {
    const key = variantDefines(variant);
    let entry = this.programs.get(key);
    if (!entry) {
      const program = linkProgram(this.gl, vertexSource, `#version 300 es\n${CODE_DEFINES}${key}${fragmentSource}`);
      entry = { program, uniforms: uniformLocations(this.gl, program, UNIFORM_NAMES) };
      this.programs.set(key, entry);
    }
    return entry;
  }
}

function setWindow(gl: WebGL2RenderingContext, at: WebGLUniformLocation | null, set: PlaneSet): void {
  gl.uniform4i(at, set.window.x, set.window.y, set.window.width, set.window.height);
}
