// One plane reduced by an integer factor: each texel of the target is the mean of the
// uFactor x uFactor block of the source plane it covers (blocks cut by the plane's right or bottom
// edge average the texels they have). Small cards of the overview draw from such a copy instead of
// the full plane (ui/overview/card_renderer.ts). A NaN or an infinity in a block stays in its
// mean, so a preview never hides a non-finite pixel.
// BILINEAR 1: one bilinear fetch at the shared corner of a 2x2 quad is the mean of its texels
// (weights exactly 1/4), so a block costs a quarter of the fetches (~3x faster on SwiftShader).
// It needs a filterable plane: half always, float with OES_texture_float_linear.
precision highp float;
precision highp int;
precision highp sampler2D;

uniform sampler2D uSource;
uniform ivec2 uSourceSize;
uniform int uFactor;

out vec4 outColour;

void main() {
  ivec2 origin = ivec2(floor(gl_FragCoord.xy)) * uFactor;
  ivec2 end = min(origin + ivec2(uFactor), uSourceSize);
  float sum = 0.0;
#if BILINEAR
  vec2 texel = 1.0 / vec2(uSourceSize);
  for (int y = origin.y; y < end.y; y += 2) {
    bool pairY = y + 1 < end.y;
    for (int x = origin.x; x < end.x; x += 2) {
      bool pairX = x + 1 < end.x;
      // A quad's corner, or the middle of a lone texel's edge, or a lone texel's centre.
      vec2 at = vec2(float(x) + (pairX ? 1.0 : 0.5), float(y) + (pairY ? 1.0 : 0.5));
      sum += textureLod(uSource, at * texel, 0.0).r * (pairX ? 2.0 : 1.0) * (pairY ? 2.0 : 1.0);
    }
  }
#else
  for (int y = origin.y; y < end.y; y++) {
    for (int x = origin.x; x < end.x; x++) sum += texelFetch(uSource, ivec2(x, y), 0).r;
  }
#endif
  ivec2 size = end - origin;
  outColour = vec4(sum / float(size.x * size.y), 0.0, 0.0, 1.0);
}
