// 1 − SSIM of images A and B, one value per texel of A's data window, written to an R32F map that
// view.frag.glsl (METRIC_IS_MAP) then shows like any other error map. Definitions (docs/metrics.md,
// tensorboard_exr/metrics.py is the Python reference):
//   Y' = dot((0.2126, 0.7152, 0.0722), srgb(clamp(rgb, 0, 1)))   (NaN counts as 0)
//   7x7 uniform window (radius WINDOW_RADIUS), edge pixels replicated at the borders,
//   population statistics (divide by n), L = 1, c1 = (0.01 L)^2, c2 = (0.03 L)^2.
// SSIM's constants assume a [0, 1] display range, hence the sRGB luma rather than linear values;
// it does not depend on the viewer's exposure, so the server can compute the same map.
// Three passes (STAGE), because software GPUs pay for every tap: 0 luma of A and B once per pixel
// (RG32F); 1 horizontal window sums (RGBA32F: Σa, Σb, Σa², Σb²; R32F: Σab); 2 vertical sums and
// the SSIM formula. Replicated borders are separable, so clamping x then y equals the 2-D window.
precision highp float;
precision highp int;
precision highp sampler2D;

#ifndef STAGE
#define STAGE 0
#endif
#ifndef COLOUR_CHANNELS
#define COLOUR_CHANNELS 3
#endif
#ifndef WINDOW_RADIUS
#define WINDOW_RADIUS 3
#endif
// 1: A's (B's) RGB is first converted to linear Rec.709 (the common space, docs/metrics.md).
#ifndef COLOUR_MATRIX_A
#define COLOUR_MATRIX_A 0
#endif
#ifndef COLOUR_MATRIX_B
#define COLOUR_MATRIX_B 0
#endif

uniform ivec2 uSize;      // A's data window size (the map's size)

#if STAGE == 0
uniform sampler2D uA0;
uniform sampler2D uA1;
uniform sampler2D uA2;
uniform sampler2D uB0;
uniform sampler2D uB1;
uniform sampler2D uB2;
uniform ivec4 uWindowA;   // data windows: xMin, yMin, width, height
uniform ivec4 uWindowB;
uniform mat3 uColourMatrixA;
uniform mat3 uColourMatrixB;
out vec4 outColour;

const vec3 LUMA = vec3(0.2126, 0.7152, 0.0722);

float srgb(float c) {
  c = (floatBitsToUint(c) & 0x7fffffffu) > 0x7f800000u ? 0.0 : clamp(c, 0.0, 1.0);
  return c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1.0 / 2.4) - 0.055;
}

float luma(vec3 c) {
#if COLOUR_CHANNELS == 1
  return srgb(c.r);
#else
  return dot(LUMA, vec3(srgb(c.r), srgb(c.g), srgb(c.b)));
#endif
}

// The colour of planes s0..s2 at texel t (a grey image: its one plane).
#if COLOUR_CHANNELS == 1
#define TEXEL(s0, s1, s2, t) vec3(texelFetch(s0, t, 0).r)
#elif COLOUR_CHANNELS == 2
#define TEXEL(s0, s1, s2, t) vec3(texelFetch(s0, t, 0).r, texelFetch(s1, t, 0).r, 0.0)
#else
#define TEXEL(s0, s1, s2, t) vec3(texelFetch(s0, t, 0).r, texelFetch(s1, t, 0).r, texelFetch(s2, t, 0).r)
#endif

// As view.frag.glsl: a pixel with a non-finite channel keeps its stored values.
bool allFinite(vec3 c) { return all(lessThan(floatBitsToUint(c) & uvec3(0x7fffffffu), uvec3(0x7f800000u))); }

vec3 texelA(ivec2 t) {
  vec3 c = TEXEL(uA0, uA1, uA2, t);
#if COLOUR_MATRIX_A
  c = allFinite(c) ? uColourMatrixA * c : c;
#endif
  return c;
}

// B is read at the same EXR pixel as A (its own data window may be offset).
vec3 texelB(ivec2 tA) {
  vec3 c = TEXEL(uB0, uB1, uB2, clamp(tA + uWindowA.xy - uWindowB.xy, ivec2(0), uWindowB.zw - 1));
#if COLOUR_MATRIX_B
  c = allFinite(c) ? uColourMatrixB * c : c;
#endif
  return c;
}

void main() {
  ivec2 t = ivec2(floor(gl_FragCoord.xy));
  outColour = vec4(luma(texelA(t)), luma(texelB(t)), 0.0, 1.0);
}

#elif STAGE == 1
uniform sampler2D uLuma;
layout(location = 0) out vec4 outSums;
layout(location = 1) out vec4 outCross;

void main() {
  ivec2 t = ivec2(floor(gl_FragCoord.xy));
  vec4 sums = vec4(0.0);
  float sumAB = 0.0;
  for (int d = -WINDOW_RADIUS; d <= WINDOW_RADIUS; d++) {
    vec2 ab = texelFetch(uLuma, ivec2(clamp(t.x + d, 0, uSize.x - 1), t.y), 0).rg;
    sums += vec4(ab, ab * ab);
    sumAB += ab.x * ab.y;
  }
  outSums = sums;
  outCross = vec4(sumAB, 0.0, 0.0, 1.0);
}

#else
uniform sampler2D uSums;
uniform sampler2D uCross;
out vec4 outColour;

const float C1 = 0.0001;  // (0.01 * L)^2, L = 1
const float C2 = 0.0009;  // (0.03 * L)^2

void main() {
  ivec2 t = ivec2(floor(gl_FragCoord.xy));
  vec4 sums = vec4(0.0);
  float sumAB = 0.0;
  for (int d = -WINDOW_RADIUS; d <= WINDOW_RADIUS; d++) {
    ivec2 at = ivec2(t.x, clamp(t.y + d, 0, uSize.y - 1));
    sums += texelFetch(uSums, at, 0);
    sumAB += texelFetch(uCross, at, 0).r;
  }
  float n = float((2 * WINDOW_RADIUS + 1) * (2 * WINDOW_RADIUS + 1));
  float ma = sums.x / n, mb = sums.y / n;
  float va = sums.z / n - ma * ma, vb = sums.w / n - mb * mb, cov = sumAB / n - ma * mb;
  float ssim = (2.0 * ma * mb + C1) * (2.0 * cov + C2) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
  outColour = vec4(1.0 - ssim, 0.0, 0.0, 1.0);
}
#endif
