#version 300 es
// One triangle that covers the whole viewport; all view maths happens per fragment, in
// image coordinates derived from gl_FragCoord, so no vertex data needs uploading.
void main() {
  vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
