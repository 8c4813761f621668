// OpenEXR's own deep reading and compositing, the baseline of bench_deep.py: the C++ library's
// DeepScanLineInputFile and CompositeDeepScanLine (which composites with DeepCompositing's
// composite_pixel) into float R, G, B, A planes, on one thread. Built by bench_deep.py against
// Debian's libopenexr-dev (OpenEXR 3.1; the PyPI wheel's 3.5 has no C++ headers).
// Usage: deep_composite FILE REPEATS [OUT]  ->  "<best ms> <median ms> <sum of R>"; OUT receives
// the R, G, B, A planes of the last run as little-endian float32 (tests/test_deep.py compares them).
#include <ImfCompositeDeepScanLine.h>
#include <ImfDeepScanLineInputFile.h>
#include <ImfFrameBuffer.h>
#include <ImfThreading.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main (int argc, char** argv)
{
    if (argc != 3 && argc != 4) return 2;
    Imf::setGlobalThreadCount (0);
    int                 repeats = std::atoi (argv[2]);
    std::vector<double> times;
    double              sum = 0;
    std::vector<float>  last;
    for (int r = 0; r < repeats; ++r)
    {
        auto                      start = std::chrono::steady_clock::now ();
        Imf::DeepScanLineInputFile file (argv[1]);
        Imf::CompositeDeepScanLine composite;
        composite.addSource (&file);
        Imath::Box2i window = composite.dataWindow ();
        long         width  = window.max.x - window.min.x + 1;
        long         height = window.max.y - window.min.y + 1;
        std::vector<float> planes[4];
        Imf::FrameBuffer   frame;
        const char*        names[4] = {"R", "G", "B", "A"};
        for (int c = 0; c < 4; ++c)
        {
            planes[c].resize (width * height);
            char* origin = reinterpret_cast<char*> (planes[c].data ()) -
                           (window.min.x + window.min.y * width) * (long) sizeof (float);
            frame.insert (names[c], Imf::Slice (Imf::FLOAT, origin, sizeof (float), width * sizeof (float)));
        }
        composite.setFrameBuffer (frame);
        composite.readPixels (window.min.y, window.max.y);
        times.push_back (std::chrono::duration<double, std::milli> (std::chrono::steady_clock::now () - start).count ());
        sum = 0;
        for (float v : planes[0]) sum += v;
        last.clear ();
        for (auto& plane : planes) last.insert (last.end (), plane.begin (), plane.end ());
    }
    if (argc == 4)
    {
        FILE* out = std::fopen (argv[3], "wb");
        if (!out || std::fwrite (last.data (), sizeof (float), last.size (), out) != last.size ()) return 1;
        std::fclose (out);
    }
    std::sort (times.begin (), times.end ());
    std::printf ("%.2f %.2f %.6g\n", times[0], times[times.size () / 2], sum);
    return 0;
}
