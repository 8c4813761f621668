// Creating WebGL2 objects with errors that say what failed: programs from GLSL sources, textures,
// and float render targets (the SSIM map, the readout's float probes).

export class RenderError extends Error {}

/** Compiles and links a program; a GLSL error is thrown with the driver's log. */
export function linkProgram(gl: WebGL2RenderingContext, vertex: string, fragment: string): WebGLProgram {
  const program = gl.createProgram();
  if (!program) throw new RenderError("could not create a shader program");
  gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, vertex));
  gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, fragment));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
    throw new RenderError(`shader link error: ${gl.getProgramInfoLog(program) ?? "unknown"}`);
  }
  return program;
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

/** The locations of a program's uniforms, by name. */
export function uniformLocations<N extends string>(
  gl: WebGL2RenderingContext,
  program: WebGLProgram,
  names: readonly N[],
): Record<N, WebGLUniformLocation | null> {
  return Object.fromEntries(names.map((name) => [name, gl.getUniformLocation(program, name)])) as Record<
    N,
    WebGLUniformLocation | null
  >;
}

/** A texture with clamped edges and the given filters, left bound to the upload unit. */
export function createTexture(
  gl: WebGL2RenderingContext,
  min: number = WebGL2RenderingContext.NEAREST,
  mag: number = min,
): WebGLTexture {
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

/** An empty texture that draws can render into: RGBA8, or float RGBA32F, RG32F, R32F. */
export function createTargetTexture(
  gl: WebGL2RenderingContext,
  internal: number,
  width: number,
  height: number,
): WebGLTexture {
  const texture = createTexture(gl);
  const float = internal === gl.RGBA32F || internal === gl.RG32F || internal === gl.R32F;
  const format = internal === gl.R32F ? gl.RED : internal === gl.RG32F ? gl.RG : gl.RGBA;
  gl.texImage2D(gl.TEXTURE_2D, 0, internal, width, height, 0, format, float ? gl.FLOAT : gl.UNSIGNED_BYTE, null);
  return texture;
}

/** A framebuffer drawing into `texture` (bound on return). */
export function createFramebuffer(gl: WebGL2RenderingContext, texture: WebGLTexture): WebGLFramebuffer {
  const framebuffer = gl.createFramebuffer();
  if (!framebuffer) throw new RenderError("could not create a framebuffer");
  gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
  gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
  return framebuffer;
}
