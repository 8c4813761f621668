// One plane reduced by an integer factor: each texel of the target is the mean of the
// uFactor x uFactor block of the source plane it covers (blocks cut by the plane's right or bottom
// edge average the texels they have). Small cards of the overview draw from such a copy instead of
// the full plane (ui/overview/card_renderer.ts). A NaN or an infinity in a block stays in its
// mean, so a preview never hides a non-finite pixel.
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
  for (int y = origin.y; y < end.y; y++) {
    for (int x = origin.x; x < end.x; x++) sum += texelFetch(uSource, ivec2(x, y), 0).r;
  }
  ivec2 size = end - origin;
  outColour = vec4(sum / float(size.x * size.y), 0.0, 0.0, 1.0);
}
