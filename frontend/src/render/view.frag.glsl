// The one shader of the viewer (in the spirit of tev's UberShader):
//   channels of A (and B) -> metric(A, B) -> x * 2^exposure + offset -> tonemap -> screen.
// Discrete choices are compile-time constants that renderer.ts injects as #defines (one compiled
// variant per combination, cached): software GPUs such as SwiftShader execute every side of a
// uniform-dependent branch, which made the uniform-driven version ~10x slower there.
// Injected (render/shader_defines.ts): the names of every code, generated from pipeline.ts's tables
// (METRIC_NONE, METRIC_RSE, ..., TONEMAP_SRGB, ..., NAN_MARKER, ...), then one variant's switches:
//   TONEMAP, METRIC          one of those names
//   METRIC_IS_PER_PIXEL      1: METRIC is computed here from A and B (applyMetric)
//   METRIC_IS_MAP            1: METRIC comes from its own pass (uMetricMap, ssim.frag.glsl)
//   COLOUR_CHANNELS          1 grey, 2 two-channel (R,G), 3 RGB-like
//   HAS_ALPHA, SHOW_NON_FINITE, GRID
//   LINEAR_MIN               bilinear sampling when zoomed out
//   RAW_OUTPUT               1: write the value before exposure/tonemap (float read-backs)
//   COLOUR_MATRIX_A, _B      1: A's (B's) RGB is converted to linear Rec.709 by uColourMatrixA (B)
//                            (viewer/colour_space.ts): both before a metric (the common space of
//                            error maps), A's after RAW_OUTPUT for display (read-backs of an image
//                            give its stored values, like the readout)
// Names that are not defined fail to compile (GLSL ES has no implicit 0 in #if): nothing is
// hand-numbered here.
precision highp float;
precision highp int;
precision highp sampler2D;

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
uniform sampler2D uMetricMap;   // METRIC_IS_MAP: the metric over A's data window, from its own pass

uniform float uExposure;
uniform float uOffset;
uniform float uGamma;
uniform float uMetricEpsilon;   // the ε of the metric's formula (pipeline.ts METRICS)
uniform mat3 uColourMatrixA;    // A's RGB -> linear Rec.709 (identity unless COLOUR_MATRIX_A)
uniform mat3 uColourMatrixB;
// The view transform (render/view_transform.ts): image point p of viewport pixel position s is
// (s - uViewportSize / 2) / uViewScale + uViewCentre.
uniform vec2 uViewportSize;     // device pixels drawn (the canvas, or a 1x1 probe)
uniform vec2 uViewportOrigin;   // canvas position of the viewport's top-left corner
uniform vec2 uViewScale;        // device pixels per image pixel, along x and y
uniform vec2 uViewCentre;       // image coordinate (EXR pixel space) at the viewport's centre
uniform ivec4 uWindowA;         // data window of A: xMin, yMin, width, height
uniform ivec4 uWindowB;
uniform vec3 uBackground;
uniform vec3 uCheckerDark;
uniform vec3 uCheckerLight;

out vec4 outColour;

// Bit tests instead of isnan/isinf: those builtins may be folded away by optimising compilers.
bool isNan(float x) { return (floatBitsToUint(x) & 0x7fffffffu) > 0x7f800000u; }

#if LINEAR_MIN
#define SAMPLE(plane, texel, uv) texture(plane, uv).r
#else
#define SAMPLE(plane, texel, uv) texelFetch(plane, texel, 0).r
#endif

// The planes a layer has, read at one texel (the others are never sampled).
#if COLOUR_CHANNELS == 1
#define COLOUR(s0, s1, s2, texel, uv) vec3(SAMPLE(s0, texel, uv))
#elif COLOUR_CHANNELS == 2
#define COLOUR(s0, s1, s2, texel, uv) vec3(SAMPLE(s0, texel, uv), SAMPLE(s1, texel, uv), 0.0)
#else
#define COLOUR(s0, s1, s2, texel, uv) vec3(SAMPLE(s0, texel, uv), SAMPLE(s1, texel, uv), SAMPLE(s2, texel, uv))
#endif
#if HAS_ALPHA
#define ALPHA(s3, texel, uv) SAMPLE(s3, texel, uv)
#else
#define ALPHA(s3, texel, uv) 1.0
#endif

// Where image point p falls in a data window (xMin, yMin, width, height): its texel and texture
// coordinate, and whether it is inside.
bool locate(vec2 p, ivec4 window, out ivec2 texel, out vec2 uv) {
  texel = ivec2(floor(p)) - window.xy;
  uv = (p - vec2(window.xy)) / vec2(window.zw);
  return all(greaterThanEqual(texel, ivec2(0))) && all(lessThan(texel, window.zw));
}

// (colour, alpha) of image A (B) at image point p, vec4(0) outside its data window. The samplers
// are named in the macros rather than passed: no sampler parameters, which not every driver trusts.
vec4 fetchA(vec2 p, out bool inside) {
  ivec2 texel;
  vec2 uv;
  inside = locate(p, uWindowA, texel, uv);
  if (!inside) return vec4(0.0);
  return vec4(COLOUR(uA0, uA1, uA2, texel, uv), ALPHA(uA3, texel, uv));
}

// A pixel with a non-finite channel keeps its stored values: its markers say what the file holds
// (a matrix would turn +Inf into NaN through Inf - Inf).
bool allFinite(vec3 c) { return all(lessThan(floatBitsToUint(c) & uvec3(0x7fffffffu), uvec3(0x7f800000u))); }
#if COLOUR_MATRIX_A
vec3 toRec709A(vec3 c) { return allFinite(c) ? uColourMatrixA * c : c; }
#else
vec3 toRec709A(vec3 c) { return c; }
#endif
#if COLOUR_MATRIX_B
vec3 toRec709B(vec3 c) { return allFinite(c) ? uColourMatrixB * c : c; }
#else
vec3 toRec709B(vec3 c) { return c; }
#endif

#if METRIC_IS_PER_PIXEL
vec4 fetchB(vec2 p) {
  ivec2 texel;
  vec2 uv;
  if (!locate(p, uWindowB, texel, uv)) return vec4(0.0);
  return vec4(COLOUR(uB0, uB1, uB2, texel, uv), ALPHA(uB3, texel, uv));
}

// The per-pixel metrics of pipeline.ts METRICS, per colour channel (docs/metrics.md); e is the
// metric's ε. A new per-pixel metric is one row there and one branch here (docs/extending.md).
vec3 applyMetric(vec3 a, vec3 b) {
  vec3 d = a - b;
  float e = uMetricEpsilon;
#if METRIC == METRIC_SIGNED
  return d;
#elif METRIC == METRIC_L1
  return abs(d);
#elif METRIC == METRIC_L2
  return d * d;
#elif METRIC == METRIC_RAE
  return abs(d) / (b + e);                        // tev: B, not |B|
#elif METRIC == METRIC_MAPE
  return abs(d) / (abs(b) + e);
#elif METRIC == METRIC_RSE
  return d * d / (b * b + e);
#elif METRIC == METRIC_MRSE
  return d * d / (b * b + e);
#elif METRIC == METRIC_SMAPE
  return 2.0 * abs(d) / (abs(a) + abs(b) + e);
#else
#error applyMetric has no formula for this per-pixel METRIC of pipeline.ts
#endif
}
#endif

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
#if TONEMAP == TONEMAP_SRGB
  return linearToSrgb(c);
#elif TONEMAP == TONEMAP_GAMMA
  vec3 x = clamp(c, 0.0, 1.0);
  return vec3(x.r > 0.0 ? pow(x.r, 1.0 / uGamma) : 0.0,
              x.g > 0.0 ? pow(x.g, 1.0 / uGamma) : 0.0,
              x.b > 0.0 ? pow(x.b, 1.0 / uGamma) : 0.0);
#elif TONEMAP == TONEMAP_FALSECOLOUR
  // tev's log scale: 1/32 keeps log2 finite at zero and puts 10 stops around 1.0.
  float t = clamp(log2(max(meanOf(c), 0.0) + 0.03125) / 10.0 + 0.5, 0.0, 1.0);
  return texture(uColormap, vec2((t * 255.0 + 0.5) / 256.0, 0.5)).rgb;
#elif TONEMAP == TONEMAP_POSNEG
  // tev's positive/negative view: red = mean of the negative parts, green = of the positive ones.
  return linearToSrgb(vec3(-2.0 * meanOf(min(c, 0.0)), 2.0 * meanOf(max(c, 0.0)), 0.0));
#else
#error applyTonemap has no branch for this TONEMAP of pipeline.ts
#endif
}

vec3 checkerboard(vec2 screen) {
  ivec2 cell = ivec2(floor(screen / 8.0));
  return ((cell.x + cell.y) & 1) == 0 ? uCheckerDark : uCheckerLight;
}

void main() {
  vec2 screen = vec2(gl_FragCoord.x, uViewportSize.y - gl_FragCoord.y);
  vec2 p = (screen - 0.5 * uViewportSize) / uViewScale + uViewCentre;
  bool inside;
  vec4 a = fetchA(p, inside);
  if (!inside) {
    outColour = vec4(uBackground, 1.0);
    return;
  }
  vec3 value = a.rgb;
  float alpha = a.a;
#if METRIC_IS_MAP
  // A neighbourhood metric (1 - SSIM), computed once per image pair by its own pass.
  ivec2 mapTexel = ivec2(floor(p)) - uWindowA.xy;
  value = vec3(SAMPLE(uMetricMap, mapTexel, (p - vec2(uWindowA.xy)) / vec2(uWindowA.zw)));
  alpha = 1.0;
#elif METRIC_IS_PER_PIXEL
  vec4 b = fetchB(p);
  value = applyMetric(toRec709A(a.rgb), toRec709B(b.rgb));
  alpha = 0.5 * (a.a + b.a);
#endif
#if RAW_OUTPUT
  outColour = vec4(value, alpha);
  return;
#endif
#if !METRIC_IS_PER_PIXEL && !METRIC_IS_MAP
  value = toRec709A(value);
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
    colour = colour + (1.0 - clamp(alpha, 0.0, 1.0)) * checkerboard(screen + uViewportOrigin);
#endif
  }

#if GRID
  vec2 f = fract(p) * uViewScale;
  if (f.x < 1.0 || f.y < 1.0) colour = mix(colour, vec3(0.5), 0.3);
#endif
  outColour = vec4(clamp(colour, 0.0, 1.0), 1.0);
}
