// The one shader of the viewer (in the spirit of tev's UberShader):
//   channels of A (and B) -> metric(A, B) -> x * 2^exposure + offset -> tonemap -> screen.
// Discrete choices are compile-time constants that renderer.ts injects as #defines (one compiled
// variant per combination, cached): software GPUs such as SwiftShader execute every side of a
// uniform-dependent branch, which made the uniform-driven version ~10x slower there.
// The numeric codes mirror pipeline.ts; keep them in sync.
precision highp float;
precision highp int;
precision highp sampler2D;

#ifndef TONEMAP
#define TONEMAP 0           // 0 sRGB, 1 gamma, 2 false colour, 3 positive/negative
#endif
#ifndef METRIC
#define METRIC 0            // 0 none (no reference bound), 1..8 as in pipeline.ts METRICS
#endif
#ifndef COLOUR_CHANNELS
#define COLOUR_CHANNELS 3   // 1 grey, 2 two-channel (R,G), 3 RGB-like
#endif
#ifndef HAS_ALPHA
#define HAS_ALPHA 0
#endif
#ifndef LINEAR_MIN
#define LINEAR_MIN 0        // bilinear sampling when zoomed out
#endif
#ifndef SHOW_NON_FINITE
#define SHOW_NON_FINITE 1
#endif
#ifndef GRID
#define GRID 0
#endif
#ifndef RAW_OUTPUT
#define RAW_OUTPUT 0        // 1: write the value before exposure/tonemap (float readout probes)
#endif

// Up to four planes per image: three colour channels and alpha.
uniform sampler2D uA0;
uniform sampler2D uA1;
uniform sampler2D uA2;
uniform sampler2D uA3;
uniform sampler2D uB0;
uniform sampler2D uB1;
uniform sampler2D uB2;
uniform sampler2D uB3;
uniform sampler2D uColormap;    // 256x1 RGBA8, already display-encoded
uniform sampler2D uMetricMap;   // METRIC 9: per-pixel metric of A's data window from its own pass

uniform float uExposure;
uniform float uOffset;
uniform float uGamma;
uniform vec2 uCanvasSize;       // device pixels
uniform vec2 uScreenOffset;     // canvas position of this viewport's corner (non-zero for 1x1 probes)
uniform float uZoom;            // device pixels per image pixel
uniform vec2 uPan;              // image coordinate (EXR pixel space) at the canvas centre
uniform ivec4 uWindowA;         // data window of A: xMin, yMin, width, height
uniform ivec4 uWindowB;
uniform vec3 uBackground;
uniform vec3 uCheckerDark;
uniform vec3 uCheckerLight;

out vec4 outColour;

const vec3 NAN_MARKER = vec3(1.0, 0.0, 1.0);
const vec3 POS_INF_MARKER = vec3(0.0, 1.0, 0.0);
const vec3 NEG_INF_MARKER = vec3(0.0, 0.0, 1.0);

// Bit tests instead of isnan/isinf: those builtins may be folded away by optimising compilers.
bool isNan(float x) { return (floatBitsToUint(x) & 0x7fffffffu) > 0x7f800000u; }

#if LINEAR_MIN
#define SAMPLE(plane, texel, uv) texture(plane, uv).r
#else
#define SAMPLE(plane, texel, uv) texelFetch(plane, texel, 0).r
#endif

// (colour, alpha) of an image at image coordinate p; inside is false outside its data window.
// Two copies (A and B) because GLSL has no sampler parameters worth trusting on every driver.
vec4 fetchA(vec2 p, out bool inside) {
  ivec2 texel = ivec2(floor(p)) - uWindowA.xy;
  inside = all(greaterThanEqual(texel, ivec2(0))) && all(lessThan(texel, uWindowA.zw));
  if (!inside) return vec4(0.0);
  vec2 uv = (p - vec2(uWindowA.xy)) / vec2(uWindowA.zw);
  float c0 = SAMPLE(uA0, texel, uv);
  vec4 v = vec4(c0, c0, c0, 1.0);
#if COLOUR_CHANNELS >= 2
  v.g = SAMPLE(uA1, texel, uv);
  v.b = 0.0;
#endif
#if COLOUR_CHANNELS == 3
  v.b = SAMPLE(uA2, texel, uv);
#endif
#if HAS_ALPHA
  v.a = SAMPLE(uA3, texel, uv);
#endif
  return v;
}

#if METRIC != 0 && METRIC != 9
vec4 fetchB(vec2 p) {
  ivec2 texel = ivec2(floor(p)) - uWindowB.xy;
  bool inside = all(greaterThanEqual(texel, ivec2(0))) && all(lessThan(texel, uWindowB.zw));
  if (!inside) return vec4(0.0);
  vec2 uv = (p - vec2(uWindowB.xy)) / vec2(uWindowB.zw);
  float c0 = SAMPLE(uB0, texel, uv);
  vec4 v = vec4(c0, c0, c0, 1.0);
#if COLOUR_CHANNELS >= 2
  v.g = SAMPLE(uB1, texel, uv);
  v.b = 0.0;
#endif
#if COLOUR_CHANNELS == 3
  v.b = SAMPLE(uB2, texel, uv);
#endif
#if HAS_ALPHA
  v.a = SAMPLE(uB3, texel, uv);
#endif
  return v;
}
#endif

vec3 applyMetric(vec3 a, vec3 b) {
  vec3 d = a - b;
#if METRIC == 1
  return d;                                          // signed error A - B
#elif METRIC == 2
  return abs(d);                                     // L1
#elif METRIC == 3
  return d * d;                                      // L2
#elif METRIC == 4
  return abs(d) / (b + 0.01);                        // tev RAE
#elif METRIC == 5
  return abs(d) / (abs(b) + 0.01);                   // JERI MAPE
#elif METRIC == 6
  return d * d / (b * b + 0.01);                     // tev RSE
#elif METRIC == 7
  return d * d / (b * b + 1e-4);                     // JERI MRSE
#elif METRIC == 8
  return 2.0 * abs(d) / (abs(a) + abs(b) + 0.02);    // JERI SMAPE
#else
  return a;
#endif
}

vec3 applyExposureAndOffset(vec3 c) { return c * exp2(uExposure) + uOffset; }

// Branches rather than pow(0, y): SwiftShader returns ~4e-18 there, which is harmless for 8-bit
// output but not exact.
float linearToSrgb(float c) {
  c = clamp(c, 0.0, 1.0);
  return c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1.0 / 2.4) - 0.055;
}
vec3 linearToSrgb(vec3 c) { return vec3(linearToSrgb(c.r), linearToSrgb(c.g), linearToSrgb(c.b)); }

float meanOf(vec3 c) {
#if COLOUR_CHANNELS == 1
  return c.r;
#elif COLOUR_CHANNELS == 2
  return (c.r + c.g) * 0.5;
#else
  return (c.r + c.g + c.b) / 3.0;
#endif
}

vec3 applyTonemap(vec3 c) {
#if TONEMAP == 1
  vec3 x = clamp(c, 0.0, 1.0);
  return vec3(x.r > 0.0 ? pow(x.r, 1.0 / uGamma) : 0.0,
              x.g > 0.0 ? pow(x.g, 1.0 / uGamma) : 0.0,
              x.b > 0.0 ? pow(x.b, 1.0 / uGamma) : 0.0);
#elif TONEMAP == 2
  // tev's log scale: 1/32 keeps log2 finite at zero and puts 10 stops around 1.0.
  float t = clamp(log2(max(meanOf(c), 0.0) + 0.03125) / 10.0 + 0.5, 0.0, 1.0);
  return texture(uColormap, vec2((t * 255.0 + 0.5) / 256.0, 0.5)).rgb;
#elif TONEMAP == 3
  // tev's positive/negative view: red = mean of the negative parts, green = of the positive ones.
  return linearToSrgb(vec3(-2.0 * meanOf(min(c, 0.0)), 2.0 * meanOf(max(c, 0.0)), 0.0));
#else
  return linearToSrgb(c);
#endif
}

vec3 checkerboard(vec2 screen) {
  ivec2 cell = ivec2(floor(screen / 8.0));
  return ((cell.x + cell.y) & 1) == 0 ? uCheckerDark : uCheckerLight;
}

void main() {
  vec2 screen = vec2(gl_FragCoord.x, uCanvasSize.y - gl_FragCoord.y) + uScreenOffset;
  vec2 p = (screen - uScreenOffset - 0.5 * uCanvasSize) / uZoom + uPan;
  bool inside;
  vec4 a = fetchA(p, inside);
  if (!inside) {
    outColour = vec4(uBackground, 1.0);
    return;
  }
  vec3 value = a.rgb;
  float alpha = a.a;
#if METRIC == 9
  // 1 - SSIM: a neighbourhood metric, computed once per image pair by ssim.frag.glsl.
  ivec2 mapTexel = ivec2(floor(p)) - uWindowA.xy;
  value = vec3(SAMPLE(uMetricMap, mapTexel, (p - vec2(uWindowA.xy)) / vec2(uWindowA.zw)));
  alpha = 1.0;
#elif METRIC != 0
  vec4 b = fetchB(p);
  value = applyMetric(a.rgb, b.rgb);
  alpha = 0.5 * (a.a + b.a);
#endif
#if RAW_OUTPUT
  outColour = vec4(value, alpha);
  return;
#endif

  // Non-finite tests on whole vectors: short-circuit || chains become divergent control flow,
  // which software rasterisers pay for on every pixel.
  uvec3 bits = floatBitsToUint(value);
  bvec3 nans = greaterThan(bits & uvec3(0x7fffffffu), uvec3(0x7f800000u));
  bool alphaNan = isNan(alpha);
  vec3 colour;
#if SHOW_NON_FINITE
  bool posInf = any(equal(bits, uvec3(0x7f800000u)));
  bool negInf = any(equal(bits, uvec3(0xff800000u)));
  bool nan = any(nans) || alphaNan;
  if (nan || posInf || negInf) {
    colour = nan ? NAN_MARKER : (posInf ? POS_INF_MARKER : NEG_INF_MARKER);
  } else
#endif
  {
    // Without markers a NaN would reach the tonemap as undefined behaviour; show it as zero.
    value = mix(value, vec3(0.0), nans);
    alpha = alphaNan ? 1.0 : alpha;
    colour = applyTonemap(applyExposureAndOffset(value));
#if HAS_ALPHA
    colour = colour + (1.0 - clamp(alpha, 0.0, 1.0)) * checkerboard(screen);
#endif
  }

#if GRID
  vec2 f = fract(p) * uZoom;
  if (f.x < 1.0 || f.y < 1.0) colour = mix(colour, vec3(0.5), 0.3);
#endif
  outColour = vec4(clamp(colour, 0.0, 1.0), 1.0);
}
