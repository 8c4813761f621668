// The 1 − SSIM map of two images (the "map" metric of pipeline.ts): three passes of ssim.frag.glsl
// into an R32F texture the size of A's data window, computed on first use and kept while both
// images' planes are, so view changes only sample it.

import type { ExrChannel } from "../decoder/types.js";
import { createFramebuffer, createTargetTexture, linkProgram, RenderError, uniformLocations } from "./gl_resources.js";
import { SSIM_WINDOW_RADIUS } from "./pipeline.js";
import type { PlaneSet, PlaneTextures } from "./plane_textures.js";
import ssimSource from "./ssim.frag.glsl";
import vertexSource from "./view.vert.glsl";

const SSIM_UNIFORMS = [
  "uA0", "uA1", "uA2", "uB0", "uB1", "uB2", "uWindowA", "uWindowB", "uSize", "uLuma", "uSums", "uCross",
  "uColourMatrixA", "uColourMatrixB",
] as const;

/** A colour matrix of DrawParams (null: none). */
type ColourMatrix = readonly number[] | null;

interface SsimProgram {
  program: WebGLProgram;
  uniforms: Record<(typeof SSIM_UNIFORMS)[number], WebGLUniformLocation | null>;
}

/** A map for one pair of planes. */
interface MetricMap {
  a: ExrChannel;
  b: ExrChannel;
  texture: WebGLTexture;
  framebuffer: WebGLFramebuffer;
  bytes: number;
}

/** Metric maps kept at most by default (each is one R32F texture the size of A). */
export const MAX_METRIC_MAPS = 4;

export class SsimPass {
  private readonly programs = new Map<number, SsimProgram>();
  private maps: MetricMap[] = [];
  /** Number of maps computed so far (tests check that view changes reuse the map). */
  passes = 0;

  constructor(
    private readonly gl: WebGL2RenderingContext,
    private readonly planes: PlaneTextures,
    private readonly maxMaps = MAX_METRIC_MAPS,
  ) {}

  /** Number of maps held. */
  get count(): number {
    return this.maps.length;
  }

  /** GPU bytes held by the maps. */
  get bytes(): number {
    return this.maps.reduce((sum, m) => sum + m.bytes, 0);
  }

  /**
   * The 1 − SSIM map of A against B (both uploaded), computed now unless it is kept. The colour
   * matrices take each image's RGB to the common space first (DrawParams.colourMatrixA/B); they
   * follow from the images, so a pair's map is the same whatever the view.
   */
  mapFor(a: PlaneSet, b: PlaneSet, matrixA: ColourMatrix = null, matrixB: ColourMatrix = null): WebGLTexture {
    const keyA = a.colour[0]!;
    const keyB = b.colour[0]!;
    const found = this.maps.find((m) => m.a === keyA && m.b === keyB);
    if (found) return found.texture;
    const gl = this.gl;
    // The passes run in the middle of a draw: remember the caller's target and scissor.
    const target = gl.getParameter(gl.FRAMEBUFFER_BINDING) as WebGLFramebuffer | null;
    const scissor = gl.isEnabled(gl.SCISSOR_TEST);
    gl.disable(gl.SCISSOR_TEST);
    const { width, height } = a.window;
    const luma = createTargetTexture(gl, gl.RG32F, width, height);
    const sums = createTargetTexture(gl, gl.RGBA32F, width, height);
    const cross = createTargetTexture(gl, gl.R32F, width, height);
    const texture = createTargetTexture(gl, gl.R32F, width, height);
    const scratch = gl.createFramebuffer();
    if (!scratch) throw new RenderError("could not create a framebuffer for the SSIM map");
    const framebuffer = createFramebuffer(gl, texture);
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
      let p = this.program(0, a.colour.length, matrixA !== null, matrixB !== null);
      gl.uniformMatrix3fv(p.uniforms.uColourMatrixA, false, matrixA ?? [1, 0, 0, 0, 1, 0, 0, 0, 1]);
      gl.uniformMatrix3fv(p.uniforms.uColourMatrixB, false, matrixB ?? [1, 0, 0, 0, 1, 0, 0, 0, 1]);
      this.planes.bind(a, 0, false);
      this.planes.bind(b, 4, false);
      (["uA0", "uA1", "uA2"] as const).forEach((name, unit) => gl.uniform1i(p.uniforms[name], unit));
      (["uB0", "uB1", "uB2"] as const).forEach((name, unit) => gl.uniform1i(p.uniforms[name], unit + 4));
      gl.uniform4i(p.uniforms.uWindowA, a.window.x, a.window.y, a.window.width, a.window.height);
      gl.uniform4i(p.uniforms.uWindowB, b.window.x, b.window.y, b.window.width, b.window.height);
      gl.uniform2i(p.uniforms.uSize, width, height);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
      // 1: horizontal window sums (two targets).
      attach(scratch, sums, cross);
      p = this.program(1, a.colour.length);
      input(10, luma);
      gl.uniform1i(p.uniforms.uLuma, 10);
      gl.uniform2i(p.uniforms.uSize, width, height);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
      // 2: vertical sums and SSIM.
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT1, gl.TEXTURE_2D, null, 0);
      attach(framebuffer, texture);
      p = this.program(2, a.colour.length);
      input(10, sums);
      input(11, cross);
      gl.uniform1i(p.uniforms.uSums, 10);
      gl.uniform1i(p.uniforms.uCross, 11);
      gl.uniform2i(p.uniforms.uSize, width, height);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
      this.passes += 1;
    } finally {
      gl.bindFramebuffer(gl.FRAMEBUFFER, scratch);
      gl.drawBuffers([gl.COLOR_ATTACHMENT0]);
      gl.deleteFramebuffer(scratch);
      [luma, sums, cross].forEach((t) => gl.deleteTexture(t));
      gl.bindFramebuffer(gl.FRAMEBUFFER, target);
      if (scissor) gl.enable(gl.SCISSOR_TEST);
    }
    this.maps.push({ a: keyA, b: keyB, texture, framebuffer, bytes: width * height * 4 });
    while (this.maps.length > this.maxMaps) this.delete(this.maps.shift()!);
    return texture;
  }

  /** Frees the maps of pairs whose planes are not both in `keep`. */
  releaseExcept(keep: Set<ExrChannel>): void {
    this.maps = this.maps.filter((m) => {
      if (keep.has(m.a) && keep.has(m.b)) return true;
      this.delete(m);
      return false;
    });
  }

  dispose(): void {
    this.releaseExcept(new Set());
    for (const { program } of this.programs.values()) this.gl.deleteProgram(program);
    this.programs.clear();
  }

  /** The program of one stage (ssim.frag.glsl), compiled once, in use on return. */
  private program(stage: number, channels: number, matrixA = false, matrixB = false): SsimProgram {
    const key = stage * 10 + channels + (matrixA ? 100 : 0) + (matrixB ? 200 : 0);
    let entry = this.programs.get(key);
    if (!entry) {
      const gl = this.gl;
      const defines =
        `#define STAGE ${stage}\n#define COLOUR_CHANNELS ${channels}\n#define WINDOW_RADIUS ${SSIM_WINDOW_RADIUS}\n` +
        `#define COLOUR_MATRIX_A ${matrixA ? 1 : 0}\n#define COLOUR_MATRIX_B ${matrixB ? 1 : 0}\n`;
      const program = linkProgram(gl, vertexSource, `#version 300 es\n${defines}${ssimSource}`);
      entry = { program, uniforms: uniformLocations(gl, program, SSIM_UNIFORMS) };
      this.programs.set(key, entry);
    }
    this.gl.useProgram(entry.program);
    return entry;
  }

  private delete(m: MetricMap): void {
    this.gl.deleteFramebuffer(m.framebuffer);
    this.gl.deleteTexture(m.texture);
  }
}
