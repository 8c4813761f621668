/* Luminance/chroma (Y, RY, BY with RY/BY sampled 2x2) to RGB, exactly as OpenEXR's RgbaInputFile
 * reads such a file (ImfRgbaFile.cpp's FromYca with ImfRgbaYca.cpp): chroma reconstructed by a
 * 27-tap filter horizontally on the chroma rows, then vertically on the rows between; YCA -> RGB
 * with the luminance weights of the file's chromaticities; fixSaturation, which pulls pixels much
 * more saturated than their neighbours towards them. Every step stores a half where the C++
 * library stores one and computes in float in the library's order (build_wasm.sh compiles with
 * -ffp-contract=off, and wasm has no fused multiply-add), so the result is the library's bit for
 * bit: decoder_yc.test.mjs compares it with OpenEXR's own RgbaInputFile. rgba_yca.ts calls it;
 * tensorboard_exr/luminance_chroma.py is the numpy twin.
 *
 * Rows and columns beyond the data window are read as OpenEXR reads them: rows above are the first
 * row, rows below the second-to-last (FromYca::readYCAScanLine clamps to yMax - 1, a row with
 * chroma since heights are even), columns beyond either side repeat the first or the
 * second-to-last column's chroma (padTmpBuf). */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __EMSCRIPTEN__
#    include <emscripten.h>
#    define YCA_EXPORT EMSCRIPTEN_KEEPALIVE
#else
#    define YCA_EXPORT
#endif

/* The reconstruction filter (ImfRgbaYca.cpp), for samples at offsets -13, -11, ..., +13. */
static const float TAPS[14] = {0.002128f, -0.007540f, 0.019597f, -0.043159f, 0.087929f, -0.186077f, 0.627123f,
                               0.627123f, -0.186077f, 0.087929f, -0.043159f, 0.019597f, -0.007540f, 0.002128f};

static float half_to_float (uint16_t h)
{
    union { uint32_t i; float f; } v;
    uint32_t sign = (uint32_t) (h & 0x8000) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    if (exponent == 0)
    {
        v.f = (float) mantissa * 0x1p-24f; /* zero or subnormal: exact */
        v.i |= sign;
        return v.f;
    }
    v.i = sign | (exponent == 31 ? 0x7f800000u | (mantissa << 13) : ((exponent + 112) << 23) | (mantissa << 13));
    return v.f;
}

/* Imath's imath_float_to_half without F16C (the C++ library's build): nearest, ties to even. */
static uint16_t float_to_half (float f)
{
    union { uint32_t i; float f; } v = {.f = f};
    uint32_t ui = v.i & 0x7fffffffu;
    uint16_t ret = (uint16_t) ((v.i >> 16) & 0x8000);
    if (ui >= 0x38800000u)
    {
        if (ui >= 0x7f800000u)
        {
            ret |= 0x7c00;
            if (ui == 0x7f800000u) return ret;
            uint32_t m = (ui & 0x7fffff) >> 13;
            return (uint16_t) (ret | m | (m == 0));
        }
        if (ui > 0x477fefffu) return (uint16_t) (ret | 0x7c00);
        ui -= 0x38000000u;
        ui = (ui + 0x00000fffu + ((ui >> 13) & 1)) >> 13;
        return (uint16_t) (ret | ui);
    }
    if (ui < 0x33000001u) return ret;
    uint32_t e = ui >> 23, shift = 0x7e - e, m = 0x800000u | (ui & 0x7fffff);
    uint32_t r = m << (32 - shift);
    ret |= (uint16_t) (m >> shift);
    if (r > 0x80000000u || (r == 0x80000000u && (ret & 1) != 0)) ++ret;
    return ret;
}

/* Every half's float value: the conversions are most of the work, and a lookup is cheapest. */
static float half_table[65536];
static int half_table_ready = 0;

static void fill_half_table (void)
{
    if (half_table_ready) return;
    for (uint32_t h = 0; h < 65536; ++h) half_table[h] = half_to_float ((uint16_t) h);
    half_table_ready = 1;
}

static float round_to_half (float f) { return half_table[float_to_half (f)]; }

/* std::max / std::min as the C++ library calls them (NaN handling included). */
static float max_f (float a, float b) { return a < b ? b : a; }
static float min_f (float a, float b) { return b < a ? b : a; }

/* out[i * step] = half(sum_t src[offsets[t] + i] * TAPS[t]) for i < count, summed left to right.
 * Tap by tap over the whole row into `sum` (count floats): each element still adds its products in
 * the library's order, and the inner loops become wasm SIMD (4 lanes, the same float operations). */
static void filter_row (const float* src, const int* offsets, float* sum, float* out, int step, int count)
{
    const float* s0 = src + offsets[0];
    for (int i = 0; i < count; ++i) sum[i] = s0[i] * TAPS[0];
    for (int t = 1; t < 14; ++t)
    {
        const float* st = src + offsets[t];
        const float c = TAPS[t];
        for (int i = 0; i < count; ++i) sum[i] = sum[i] + st[i] * c;
    }
    for (int i = 0; i < count; ++i) out[i * step] = round_to_half (sum[i]);
}

/* Chroma of every even row at every column (reconstructChromaHoriz): samples at even columns,
 * the filter at odd ones. `padded` has room for w2 + 13 floats. */
static void reconstruct_rows (const uint16_t* samples, int width, int height, float* out, float* padded, float* sum)
{
    static const int TAP_INDEX[14] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
    int w2 = width / 2;
    for (int k = 0; k < height / 2; ++k)
    {
        float* row = out + (size_t) k * width;
        /* Column 2m + 1 reads samples m - 6 ... m + 7, i.e. padded[m ... m + 13]. */
        for (int m = 0; m < w2; ++m) row[2 * m] = padded[m + 6] = half_table[samples[(size_t) k * w2 + m]];
        for (int i = 0; i < 6; ++i) padded[i] = padded[6];
        for (int i = w2 + 6; i < w2 + 13; ++i) padded[i] = padded[w2 + 5];
        filter_row (padded, TAP_INDEX, sum, row + 1, 2, w2);
    }
}

typedef struct
{
    float *r, *g, *b, *saturation;
    uint16_t *r_bits, *g_bits, *b_bits;
} rgb_row;

typedef struct
{
    int width, height;
    const uint16_t* luminance;
    const float *chroma_r, *chroma_b; /* reconstruct_rows of RY and BY */
    float *vert_r, *vert_b;           /* one row of reconstructChromaVert */
    float* sum;                       /* filter_row's scratch row */
    float yw[3];
} yca_image;

/* The data-window row OpenEXR reads for row y (readYCAScanLine's clamp). */
static int clamp_row (const yca_image* im, int y) { return y < 0 ? 0 : y > im->height - 1 ? im->height - 2 : y; }

static float saturation (float r, float g, float b)
{
    float high = max_f (r, max_f (g, b)), low = min_f (r, min_f (g, b));
    return high > 0 ? 1 - low / high : 0;
}

/* Row y (-1 ... height) in RGB before fixSaturation (FromYca's _buf2). */
static void make_row (const yca_image* im, int y, rgb_row* row)
{
    const float *cr, *cb;
    if (y & 1)
    {
        int lines[14];
        for (int t = 0; t < 14; ++t) lines[t] = clamp_row (im, y - 13 + 2 * t) / 2 * im->width;
        filter_row (im->chroma_r, lines, im->sum, im->vert_r, 1, im->width);
        filter_row (im->chroma_b, lines, im->sum, im->vert_b, 1, im->width);
        cr = im->vert_r;
        cb = im->vert_b;
    }
    else
    {
        cr = im->chroma_r + (size_t) (clamp_row (im, y) / 2) * im->width;
        cb = im->chroma_b + (size_t) (clamp_row (im, y) / 2) * im->width;
    }
    const uint16_t* luma = im->luminance + (size_t) clamp_row (im, y) * im->width;
    for (int x = 0; x < im->width; ++x)
    {
        if (cr[x] == 0 && cb[x] == 0)
        {
            /* YCAtoRGBA's grey case: R = G = B = Y, bit for bit. */
            row->r_bits[x] = row->g_bits[x] = row->b_bits[x] = luma[x];
        }
        else
        {
            float Y = half_table[luma[x]];
            float r = (cr[x] + 1) * Y;
            float b = (cb[x] + 1) * Y;
            float g = (Y - r * im->yw[0] - b * im->yw[2]) / im->yw[1];
            row->r_bits[x] = float_to_half (r);
            row->g_bits[x] = float_to_half (g);
            row->b_bits[x] = float_to_half (b);
        }
        row->r[x] = half_table[row->r_bits[x]];
        row->g[x] = half_table[row->g_bits[x]];
        row->b[x] = half_table[row->b_bits[x]];
        row->saturation[x] = saturation (row->r[x], row->g[x], row->b[x]);
    }
}

/* RgbaYca's desaturate: towards the pixel's maximum by f, keeping its luminance. */
static void desaturate (const rgb_row* in, int i, float f, const float* yw, uint16_t* r, uint16_t* g, uint16_t* b)
{
    float high = max_f (in->r[i], max_f (in->g[i], in->b[i]));
    float ro = round_to_half (max_f ((float) (high - (high - in->r[i]) * f), 0.0f));
    float go = round_to_half (max_f ((float) (high - (high - in->g[i]) * f), 0.0f));
    float bo = round_to_half (max_f ((float) (high - (high - in->b[i]) * f), 0.0f));
    float y_in = in->r[i] * yw[0] + in->g[i] * yw[1] + in->b[i] * yw[2];
    float y_out = ro * yw[0] + go * yw[1] + bo * yw[2];
    if (y_out > 0)
    {
        ro *= y_in / y_out;
        go *= y_in / y_out;
        bo *= y_in / y_out;
    }
    *r = float_to_half (ro);
    *g = float_to_half (go);
    *b = float_to_half (bo);
}

/* RgbaYca::fixSaturation of `row` between `above` and `below` (the row's ends repeat the end pixel). */
static void fix_saturation (const yca_image* im, const rgb_row* above, const rgb_row* row, const rgb_row* below,
                            uint16_t* r, uint16_t* g, uint16_t* b)
{
    int n = im->width;
    for (int i = 0; i < n; ++i)
    {
        int left = i > 0 ? i - 1 : 0, right = i < n - 1 ? i + 1 : n - 1;
        float mean = min_f (
            1.0f, 0.25f * (above->saturation[left] + above->saturation[right] + below->saturation[left] +
                           below->saturation[right]));
        float s = row->saturation[i];
        if (s > mean)
        {
            float s_max = min_f (1.0f, 1 - (1 - mean) * 0.25f);
            if (s > s_max)
            {
                desaturate (row, i, s_max / s, im->yw, r + i, g + i, b + i);
                continue;
            }
        }
        r[i] = row->r_bits[i];
        g[i] = row->g_bits[i];
        b[i] = row->b_bits[i];
    }
}

/* RgbaInputFile's R, G, B (half bits, width x height each) from Y (half bits, width x height) and
 * RY, BY (half bits, one sample per 2x2 block). width and height must be even. Returns 0, or -1
 * when memory runs out. */
YCA_EXPORT int exrw_yca_to_rgb (
    const uint16_t* luminance, const uint16_t* ry, const uint16_t* by, int width, int height, float ywx, float ywy,
    float ywz, uint16_t* r, uint16_t* g, uint16_t* b)
{
    if (width < 2 || height < 2 || (width & 1) || (height & 1)) return -1;
    fill_half_table ();
    size_t plane = (size_t) (height / 2) * width, per_row = 7 * (size_t) width;
    float* scratch = malloc (sizeof (float) * (2 * plane + (size_t) width / 2 + 13 + 3 * (size_t) width + 4 * per_row));
    if (!scratch) return -1;
    yca_image im = {.width = width, .height = height, .luminance = luminance, .yw = {ywx, ywy, ywz}};
    float* at = scratch;
    float* chroma_r = at;
    float* chroma_b = (at += plane);
    float* padded = (at += plane);
    im.sum = (at += width / 2 + 13);
    reconstruct_rows (ry, width, height, chroma_r, padded, im.sum);
    reconstruct_rows (by, width, height, chroma_b, padded, im.sum);
    im.chroma_r = chroma_r;
    im.chroma_b = chroma_b;
    im.vert_r = (at += width);
    im.vert_b = (at += width);
    at += width;
    rgb_row rows[4];
    for (int k = 0; k < 4; ++k, at += per_row)
    {
        rows[k] = (rgb_row) {at, at + width, at + 2 * width, at + 3 * width, (uint16_t*) (at + 4 * width),
                             (uint16_t*) (at + 5 * width), (uint16_t*) (at + 6 * width)};
    }
    /* Three rows at a time (FromYca's _buf2); the fourth is the next one to fill. */
    rgb_row *above = &rows[0], *row = &rows[1], *spare = &rows[2];
    make_row (&im, -1, above);
    make_row (&im, 0, row);
    for (int y = 0; y < height; ++y)
    {
        rgb_row* below = spare;
        make_row (&im, y + 1, below);
        size_t offset = (size_t) y * width;
        fix_saturation (&im, above, row, below, r + offset, g + offset, b + offset);
        spare = above;
        above = row;
        row = below;
    }
    free (scratch);
    return 0;
}
