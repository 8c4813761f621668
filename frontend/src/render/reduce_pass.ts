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

export class ReducePass {
  private program: { program: WebGLProgram; uniforms: Record<(typeof REDUCE_UNIFORMS)[number], WebGLUniformLocation | null> } | null =
    null;
  /** The stand-in channel of each plane's reduced copy, per factor. */
  private readonly standIns = new WeakMap<ExrChannel, Map<number, ExrChannel>>();
  /** Number of planes reduced so far. */
  passes = 0;

  constructor(
    private readonly gl: WebGL2RenderingContext,
    private readonly planes: PlaneTextures,
  ) {}

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
    if (this.program) this.gl.deleteProgram(this.program.program);
    this.program = null;
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
      const { uniforms } = this.useProgram();
      gl.viewport(0, 0, width, height);
      this.planes.bind(single, SOURCE_UNIT, false);
      gl.uniform1i(uniforms.uSource, SOURCE_UNIT);
      gl.uniform2i(uniforms.uSourceSize, window.width, window.height);
      gl.uniform1i(uniforms.uFactor, factor);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
      this.passes += 1;
    } catch (error) {
      gl.deleteTexture(texture);
      throw error;
    } finally {
      gl.bindFramebuffer(gl.FRAMEBUFFER, target);
      gl.deleteFramebuffer(framebuffer);
      if (transient) this.planes.release(planesOf(single));
    }
    this.planes.adopt(standIn, texture, width * height * 4);
  }

  private useProgram(): NonNullable<ReducePass["program"]> {
    if (!this.program) {
      const program = linkProgram(this.gl, vertexSource, `#version 300 es\n${reduceSource}`);
      this.program = { program, uniforms: uniformLocations(this.gl, program, REDUCE_UNIFORMS) };
    }
    this.gl.useProgram(this.program.program);
    return this.program;
  }
}
