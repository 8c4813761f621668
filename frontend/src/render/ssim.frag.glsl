// 1 − SSIM of images A and B, one value per texel of A's data window, written to an R32F map that
// view.frag.glsl (METRIC 9) then shows like any other error map. Definitions (docs/metrics.md,
// tensorboard_exr/metrics.py is the Python reference):
//   Y' = dot((0.2126, 0.7152, 0.0722), srgb(clamp(rgb, 0, 1)))   (NaN counts as 0)
//   7x7 uniform window (radius WINDOW_RADIUS), edge pixels replicated at the borders,
//   population statistics (divide by n), L = 1, c1 = (0.01 L)^2, c2 = (0.03 L)^2.
// SSIM's constants assume a [0, 1] display range, hence the sRGB luma rather than linear values;
// it does not depend on the viewer's exposure, so the server can compute the same map.
precision highp float;
precision highp int;
precision highp sampler2D;

#ifndef COLOUR_CHANNELS
#define COLOUR_CHANNELS 3
#endif
#ifndef WINDOW_RADIUS
#define WINDOW_RADIUS 3
#endif

uniform sampler2D uA0;
uniform sampler2D uA1;
uniform sampler2D uA2;
uniform sampler2D uB0;
uniform sampler2D uB1;
uniform sampler2D uB2;
uniform ivec4 uWindowA;   // data windows: xMin, yMin, width, height
uniform ivec4 uWindowB;

out vec4 outColour;

const vec3 LUMA = vec3(0.2126, 0.7152, 0.0722);
const float C1 = 0.0001;  // (0.01 * L)^2, L = 1
const float C2 = 0.0009;  // (0.03 * L)^2

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

vec3 texelA(ivec2 t) {
  t = clamp(t, ivec2(0), uWindowA.zw - 1);
  float c0 = texelFetch(uA0, t, 0).r;
  vec3 v = vec3(c0);
#if COLOUR_CHANNELS >= 2
  v = vec3(c0, texelFetch(uA1, t, 0).r, 0.0);
#endif
#if COLOUR_CHANNELS == 3
  v.b = texelFetch(uA2, t, 0).r;
#endif
  return v;
}

// B is read at the same EXR pixel as A (its own data window may be offset).
vec3 texelB(ivec2 tA) {
  ivec2 t = clamp(tA + uWindowA.xy - uWindowB.xy, ivec2(0), uWindowB.zw - 1);
  float c0 = texelFetch(uB0, t, 0).r;
  vec3 v = vec3(c0);
#if COLOUR_CHANNELS >= 2
  v = vec3(c0, texelFetch(uB1, t, 0).r, 0.0);
#endif
#if COLOUR_CHANNELS == 3
  v.b = texelFetch(uB2, t, 0).r;
#endif
  return v;
}

void main() {
  ivec2 centre = ivec2(floor(gl_FragCoord.xy));
  float sa = 0.0, sb = 0.0, saa = 0.0, sbb = 0.0, sab = 0.0;
  for (int dy = -WINDOW_RADIUS; dy <= WINDOW_RADIUS; dy++) {
    for (int dx = -WINDOW_RADIUS; dx <= WINDOW_RADIUS; dx++) {
      ivec2 t = centre + ivec2(dx, dy);
      float a = luma(texelA(t));
      float b = luma(texelB(t));
      sa += a;
      sb += b;
      saa += a * a;
      sbb += b * b;
      sab += a * b;
    }
  }
  float n = float((2 * WINDOW_RADIUS + 1) * (2 * WINDOW_RADIUS + 1));
  float ma = sa / n, mb = sb / n;
  float va = saa / n - ma * ma, vb = sbb / n - mb * mb, cov = sab / n - ma * mb;
  float ssim = (2.0 * ma * mb + C1) * (2.0 * cov + C2) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
  outColour = vec4(1.0 - ssim, 0.0, 0.0, 1.0);
}
