#version 300 es
// The one shader of the viewer (in the spirit of tev's UberShader):
//   channels of A (and B) -> metric(A, B) -> x * 2^exposure + offset -> tonemap -> screen.
// Constants below mirror the enums in pipeline.ts; keep them in sync.
precision highp float;
precision highp int;
precision highp sampler2D;

// Up to four planes per image: three colour channels and alpha. Unused slots hold a 1x1 zero texture.
uniform sampler2D uA0;
uniform sampler2D uA1;
uniform sampler2D uA2;
uniform sampler2D uA3;
uniform sampler2D uB0;
uniform sampler2D uB1;
uniform sampler2D uB2;
uniform sampler2D uB3;
uniform sampler2D uColormap;    // 256x1 RGBA8, already display-encoded

uniform int uColourChannels;    // 1 (grey), 2 (UV-like: R,G) or 3
uniform bool uHasAlpha;
uniform bool uHasReference;
uniform int uMetric;            // METRIC_* below
uniform float uExposure;
uniform float uOffset;
uniform float uGamma;
uniform int uTonemap;           // TONEMAP_* below
uniform bool uShowNonFinite;
uniform bool uGrid;
uniform bool uLinearMin;        // bilinear sampling when zoomed out (zoom < 1)

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

const int METRIC_NONE = 0;
const int METRIC_SIGNED = 1;      // A - B
const int METRIC_L1 = 2;          // |A - B|
const int METRIC_L2 = 3;          // (A - B)^2
const int METRIC_RAE = 4;         // tev: |A - B| / (B + 0.01)
const int METRIC_MAPE = 5;        // JERI: |A - B| / (|B| + 0.01)
const int METRIC_RSE = 6;         // tev: (A - B)^2 / (B^2 + 0.01)
const int METRIC_MRSE = 7;        // JERI: (A - B)^2 / (B^2 + 1e-4)
const int METRIC_SMAPE = 8;       // JERI: 2|A - B| / (|A| + |B| + 0.02)

const int TONEMAP_SRGB = 0;
const int TONEMAP_GAMMA = 1;
const int TONEMAP_FALSE_COLOUR = 2;
const int TONEMAP_POSITIVE_NEGATIVE = 3;

const vec3 NAN_MARKER = vec3(1.0, 0.0, 1.0);
const vec3 POS_INF_MARKER = vec3(0.0, 1.0, 0.0);
const vec3 NEG_INF_MARKER = vec3(0.0, 0.0, 1.0);

// Bit tests instead of isnan/isinf: those builtins may be folded away by optimising compilers.
bool isNan(float x) { return (floatBitsToUint(x) & 0x7fffffffu) > 0x7f800000u; }
bool isPosInf(float x) { return floatBitsToUint(x) == 0x7f800000u; }
bool isNegInf(float x) { return floatBitsToUint(x) == 0xff800000u; }

float sampleChannel(sampler2D plane, ivec2 texel, vec2 uv) {
  return uLinearMin ? texture(plane, uv).r : texelFetch(plane, texel, 0).r;
}

// Returns (colour, alpha) of A at an image coordinate; inside is false outside its data window.
vec4 fetchA(vec2 p, out bool inside) {
  ivec2 texel = ivec2(floor(p)) - uWindowA.xy;
  inside = all(greaterThanEqual(texel, ivec2(0))) && all(lessThan(texel, uWindowA.zw));
  if (!inside) return vec4(0.0);
  vec2 uv = (p - vec2(uWindowA.xy)) / vec2(uWindowA.zw);
  float c0 = sampleChannel(uA0, texel, uv);
  float c1 = uColourChannels > 1 ? sampleChannel(uA1, texel, uv) : c0;
  float c2 = uColourChannels > 2 ? sampleChannel(uA2, texel, uv) : (uColourChannels == 2 ? 0.0 : c0);
  float a = uHasAlpha ? sampleChannel(uA3, texel, uv) : 1.0;
  return vec4(c0, c1, c2, a);
}

vec4 fetchB(vec2 p) {
  ivec2 texel = ivec2(floor(p)) - uWindowB.xy;
  bool inside = all(greaterThanEqual(texel, ivec2(0))) && all(lessThan(texel, uWindowB.zw));
  if (!inside) return vec4(0.0);
  vec2 uv = (p - vec2(uWindowB.xy)) / vec2(uWindowB.zw);
  float c0 = sampleChannel(uB0, texel, uv);
  float c1 = uColourChannels > 1 ? sampleChannel(uB1, texel, uv) : c0;
  float c2 = uColourChannels > 2 ? sampleChannel(uB2, texel, uv) : (uColourChannels == 2 ? 0.0 : c0);
  float a = uHasAlpha ? sampleChannel(uB3, texel, uv) : 1.0;
  return vec4(c0, c1, c2, a);
}

vec3 applyMetric(vec3 a, vec3 b) {
  vec3 d = a - b;
  if (uMetric == METRIC_SIGNED) return d;
  if (uMetric == METRIC_L1) return abs(d);
  if (uMetric == METRIC_L2) return d * d;
  if (uMetric == METRIC_RAE) return abs(d) / (b + 0.01);
  if (uMetric == METRIC_MAPE) return abs(d) / (abs(b) + 0.01);
  if (uMetric == METRIC_RSE) return d * d / (b * b + 0.01);
  if (uMetric == METRIC_MRSE) return d * d / (b * b + 1e-4);
  if (uMetric == METRIC_SMAPE) return 2.0 * abs(d) / (abs(a) + abs(b) + 0.02);
  return a;
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
  return uColourChannels == 1 ? c.r : (uColourChannels == 2 ? (c.r + c.g) * 0.5 : (c.r + c.g + c.b) / 3.0);
}

vec3 applyTonemap(vec3 c) {
  if (uTonemap == TONEMAP_GAMMA) {
    vec3 x = clamp(c, 0.0, 1.0);
    return vec3(x.r > 0.0 ? pow(x.r, 1.0 / uGamma) : 0.0,
                x.g > 0.0 ? pow(x.g, 1.0 / uGamma) : 0.0,
                x.b > 0.0 ? pow(x.b, 1.0 / uGamma) : 0.0);
  }
  if (uTonemap == TONEMAP_FALSE_COLOUR) {
    // tev's log scale: 1/32 keeps log2 finite at zero and puts 10 stops around 1.0.
    float t = clamp(log2(max(meanOf(c), 0.0) + 0.03125) / 10.0 + 0.5, 0.0, 1.0);
    return texture(uColormap, vec2((t * 255.0 + 0.5) / 256.0, 0.5)).rgb;
  }
  if (uTonemap == TONEMAP_POSITIVE_NEGATIVE) {
    vec3 neg = min(c, 0.0);
    vec3 pos = max(c, 0.0);
    float n = float(uColourChannels == 2 ? 2 : (uColourChannels == 1 ? 1 : 3));
    float sn = uColourChannels == 1 ? neg.r : neg.r + neg.g + neg.b;
    float sp = uColourChannels == 1 ? pos.r : pos.r + pos.g + pos.b;
    return linearToSrgb(vec3(-2.0 * sn / n, 2.0 * sp / n, 0.0));
  }
  return linearToSrgb(c);
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
  if (uHasReference && uMetric != METRIC_NONE) {
    vec4 b = fetchB(p);
    value = applyMetric(a.rgb, b.rgb);
    alpha = 0.5 * (a.a + b.a);
  }

  vec3 marker = vec3(-1.0);
  vec4 checked = vec4(value, alpha);
  for (int i = 0; i < 4; ++i) {
    if (isNan(checked[i])) marker = NAN_MARKER;
  }
  if (marker.r < 0.0) {
    for (int i = 0; i < 4; ++i) {
      if (isPosInf(checked[i])) marker = POS_INF_MARKER;
      else if (isNegInf(checked[i])) marker = NEG_INF_MARKER;
    }
  }

  vec3 colour;
  if (uShowNonFinite && marker.r >= 0.0) {
    colour = marker;
  } else {
    // Without markers a NaN would reach the tonemap as undefined behaviour; show it as zero.
    value = vec3(isNan(value.r) ? 0.0 : value.r, isNan(value.g) ? 0.0 : value.g, isNan(value.b) ? 0.0 : value.b);
    alpha = isNan(alpha) ? 1.0 : clamp(alpha, 0.0, 1.0);
    colour = applyTonemap(applyExposureAndOffset(value));
    if (uHasAlpha) colour = colour + (1.0 - alpha) * checkerboard(screen);
  }

  if (uGrid) {
    vec2 f = fract(p) * uZoom;
    if (f.x < 1.0 || f.y < 1.0) colour = mix(colour, vec3(0.5), 0.5);
  }
  outColour = vec4(clamp(colour, 0.0, 1.0), 1.0);
}
