// Reduced copies of plane textures: the box mean of factor x factor blocks (reduce.frag.glsl) in an
// R32F texture. A plane is uploaded at full size only for the pass and freed right after (unless
// something else holds it), so what stays on the GPU is the reduced copy: small overview cards
// cost their size, not their image's. The copy is registered with PlaneTextures under a stand-in
// channel, so it is drawn, kept and released like any plane.

import type { ExrChannel } from "../decoder/types.js";
import { createFramebuffer, createTargetTexture, linkProgram, RenderError, uniformLocations } from "./gl_resources.js";
import { type PlaneSet, type PlaneTextures, planesOf } from "./plane_textures.js";
import reduceSource from "./reduce.frag.glsl";
import vertexSource from "./view.vert.glsl";

const REDUCE_UNIFORMS = ["uSource", "uSourceSize", "uFactor"] as const;
/** First texture unit of the source plane: after the draw's inputs (0–9), clear of the upload unit 15. */
const SOURCE_UNIT = 10;

interface ReduceProgram {
  program: WebGLProgram;
  uniforms: Record<(typeof REDUCE_UNIFORMS)[number], WebGLUniformLocation | null>;
}

export class ReducePass {
  /** The two variants of reduce.frag.glsl: texel fetches, and bilinear fetches of quads. */
  private readonly programs = new Map<boolean, ReduceProgram>();
  private sampler: WebGLSampler | null = null;
  private readonly floatLinear: boolean;
  /** The stand-in channel of each plane's reduced copy, per factor. */
  private readonly standIns = new WeakMap<ExrChannel, Map<number, ExrChannel>>();
  /** Number of planes reduced so far. */
  passes = 0;

  constructor(
    private readonly gl: WebGL2RenderingContext,
    private readonly planes: PlaneTextures,
  ) {
    this.floatLinear = gl.getExtension("OES_texture_float_linear") !== null;
  }

  /**
   * `set` reduced by `factor` (≥ 2): planes of ceil(width / factor) x ceil(height / factor) texels,
   * the window at the origin of the reduced space (the caller places it). Copies made before are
   * reused while PlaneTextures holds them.
   */
  reduce(set: PlaneSet, factor: number): PlaneSet {
    const width = Math.ceil(set.window.width / factor);
    const height = Math.ceil(set.window.height / factor);
    const reduced = (channel: ExrChannel): ExrChannel => {
      const standIn = this.standInOf(channel, factor);
      if (!this.planes.holds({ colour: [standIn], alpha: null, window: set.window })) {
        this.run(channel, set.window, factor, standIn, width, height);
      }
      return standIn;
    };
    return {
      colour: set.colour.map(reduced),
      alpha: set.alpha ? reduced(set.alpha) : null,
      window: { x: 0, y: 0, width, height },
    };
  }

  dispose(): void {
    for (const { program } of this.programs.values()) this.gl.deleteProgram(program);
    this.programs.clear();
    if (this.sampler) this.gl.deleteSampler(this.sampler);
    this.sampler = null;
  }

  private standInOf(channel: ExrChannel, factor: number): ExrChannel {
    let byFactor = this.standIns.get(channel);
    if (!byFactor) this.standIns.set(channel, (byFactor = new Map()));
    let standIn = byFactor.get(factor);
    if (!standIn) {
      // No data: its texture is made on the GPU and adopted, never uploaded.
      standIn = { name: channel.name, pixelType: "float", xSampling: 1, ySampling: 1, data: new Float32Array(0) };
      byFactor.set(factor, standIn);
    }
    return standIn;
  }

  private run(
    channel: ExrChannel,
    window: PlaneSet["window"],
    factor: number,
    standIn: ExrChannel,
    width: number,
    height: number,
  ): void {
    const gl = this.gl;
    const single: PlaneSet = { colour: [channel], alpha: null, window };
    const transient = !this.planes.holds(single);
    this.planes.upload(single);
    const texture = createTargetTexture(gl, gl.R32F, width, height);
    const target = gl.getParameter(gl.FRAMEBUFFER_BINDING) as WebGLFramebuffer | null;
    const framebuffer = createFramebuffer(gl, texture);
    try {
      if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) {
        throw new RenderError("this GPU cannot render float textures (EXT_color_buffer_float), so planes cannot be reduced");
      }
      // Half planes are always filterable; float (and uint, uploaded as float) ones with the extension.
      const bilinear = channel.pixelType === "half" || this.floatLinear;
      const { uniforms } = this.useProgram(bilinear);
      gl.viewport(0, 0, width, height);
      this.planes.bind(single, SOURCE_UNIT, false);
      gl.bindSampler(SOURCE_UNIT, bilinear ? this.bilinearSampler() : null);
      gl.uniform1i(uniforms.uSource, SOURCE_UNIT);
      gl.uniform2i(uniforms.uSourceSize, window.width, window.height);
      gl.uniform1i(uniforms.uFactor, factor);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
      this.passes += 1;
    } catch (error) {
      gl.deleteTexture(texture);
      throw error;
    } finally {
      gl.bindSampler(SOURCE_UNIT, null);
      gl.bindFramebuffer(gl.FRAMEBUFFER, target);
      gl.deleteFramebuffer(framebuffer);
      if (transient) this.planes.release(planesOf(single));
    }
    this.planes.adopt(standIn, texture, width * height * 4);
  }

  /** Bilinear sampling of level 0, whatever the plane's own filters. */
  private bilinearSampler(): WebGLSampler {
    if (!this.sampler) {
      const gl = this.gl;
      this.sampler = gl.createSampler();
      gl.samplerParameteri(this.sampler, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
      gl.samplerParameteri(this.sampler, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
      gl.samplerParameteri(this.sampler, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.samplerParameteri(this.sampler, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    }
    return this.sampler;
  }

  private useProgram(bilinear: boolean): ReduceProgram {
    let entry = this.programs.get(bilinear);
    if (!entry) {
      const source = `#version 300 es\n#define BILINEAR ${bilinear ? 1 : 0}\n${reduceSource}`;
      const program = linkProgram(this.gl, vertexSource, source);
      entry = { program, uniforms: uniformLocations(this.gl, program, REDUCE_UNIFORMS) };
      this.programs.set(bilinear, entry);
    }
    this.gl.useProgram(entry.program);
    return entry;
  }
}
