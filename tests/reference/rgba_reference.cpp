// OpenEXR's own RGBA interface as a reference for the tests (compiled by tests/openexr_reference.py
// against Debian's libopenexr-dev): what RgbaInputFile reads from a file (for luminance/chroma files:
// the chroma reconstruction filters, YCA -> RGB with the file's chromaticities, fixSaturation), and
// luminance/chroma files as RgbaOutputFile writes them (WRITE_YC / WRITE_YCA).
//
//   rgba_reference read IN.exr OUT.bin [LAYER]
//       OUT.bin: the data window's pixels, rows top-down, as half R,G,B,A (8 bytes a pixel), of the
//       channels without prefix or of LAYER ("left" reads left.Y, left.RY, ...).
//       Prints "xMin yMin width height" and the luminance weights computeYw gives.
//   rgba_reference write-yc IN.bin XMIN YMIN WIDTH HEIGHT ALPHA COMPRESSION OUT.exr [rx ry gx gy bx by wx wy]
//       IN.bin: half R,G,B,A pixels as above; ALPHA 1 writes Y,RY,BY,A, 0 writes Y,RY,BY.
//       COMPRESSION: none, zip, piz. The optional coordinates are written as `chromaticities`.

#include <ImfChromaticities.h>
#include <ImfHeader.h>
#include <ImfRgbaFile.h>
#include <ImfRgbaYca.h>
#include <ImfStandardAttributes.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

namespace {

int readFile(const char* in, const char* out, const char* layer) {
  Imf::RgbaInputFile file(in, std::string(layer));
  const Imath::Box2i dw = file.dataWindow();
  const long width = dw.max.x - dw.min.x + 1;
  const long height = dw.max.y - dw.min.y + 1;
  std::vector<Imf::Rgba> pixels(static_cast<size_t>(width * height));
  file.setFrameBuffer(pixels.data() - dw.min.x - dw.min.y * width, 1, width);
  file.readPixels(dw.min.y, dw.max.y);
  std::ofstream stream(out, std::ios::binary);
  stream.write(reinterpret_cast<const char*>(pixels.data()), static_cast<std::streamsize>(pixels.size() * sizeof(Imf::Rgba)));
  Imf::Chromaticities chroma;
  if (Imf::hasChromaticities(file.header())) chroma = Imf::chromaticities(file.header());
  const Imath::V3f yw = Imf::RgbaYca::computeYw(chroma);
  std::printf("%d %d %ld %ld %.9g %.9g %.9g\n", dw.min.x, dw.min.y, width, height, yw.x, yw.y, yw.z);
  return stream ? 0 : 1;
}

Imf::Compression compressionNamed(const std::string& name) {
  if (name == "none") return Imf::NO_COMPRESSION;
  if (name == "zip") return Imf::ZIP_COMPRESSION;
  if (name == "piz") return Imf::PIZ_COMPRESSION;
  throw std::runtime_error("unknown compression " + name);
}

int writeYc(int argc, char** argv) {
  const int xMin = std::atoi(argv[3]);
  const int yMin = std::atoi(argv[4]);
  const int width = std::atoi(argv[5]);
  const int height = std::atoi(argv[6]);
  const bool alpha = std::atoi(argv[7]) != 0;
  std::vector<Imf::Rgba> pixels(static_cast<size_t>(width) * height);
  std::ifstream stream(argv[2], std::ios::binary);
  stream.read(reinterpret_cast<char*>(pixels.data()), static_cast<std::streamsize>(pixels.size() * sizeof(Imf::Rgba)));
  if (!stream) throw std::runtime_error("IN.bin is shorter than WIDTH x HEIGHT pixels");
  const Imath::Box2i window(Imath::V2i(xMin, yMin), Imath::V2i(xMin + width - 1, yMin + height - 1));
  Imf::Header header(window, window, 1, Imath::V2f(0, 0), 1, Imf::INCREASING_Y, compressionNamed(argv[8]));
  if (argc == 18) {
    float c[8];
    for (int i = 0; i < 8; ++i) c[i] = std::strtof(argv[10 + i], nullptr);
    Imf::addChromaticities(header, Imf::Chromaticities(Imath::V2f(c[0], c[1]), Imath::V2f(c[2], c[3]),
                                                       Imath::V2f(c[4], c[5]), Imath::V2f(c[6], c[7])));
  }
  Imf::RgbaOutputFile file(argv[9], header, alpha ? Imf::WRITE_YCA : Imf::WRITE_YC);
  file.setFrameBuffer(pixels.data() - xMin - static_cast<long>(yMin) * width, 1, width);
  file.writePixels(height);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if ((argc == 4 || argc == 5) && std::strcmp(argv[1], "read") == 0) return readFile(argv[2], argv[3], argc == 5 ? argv[4] : "");
    if ((argc == 10 || argc == 18) && std::strcmp(argv[1], "write-yc") == 0) return writeYc(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rgba_reference: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: see the comment at the top of rgba_reference.cpp\n");
  return 2;
}
