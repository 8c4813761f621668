/*
 * Flattening a deep part in the wasm heap, where exr_deep.c left its samples: each pixel's samples
 * sorted by Z, then ZBack, then file order (NaN depths last), composited front to back in float32
 * as OpenEXR's DeepCompositing::composite_pixel does: out += (1 - alpha) * sample, alpha being the
 * channel's alpha accumulated in front of the sample; a channel stops once its alpha reached 1.
 * Which alpha each channel takes is decided from the names in deep_flatten.ts (flattenRules) and
 * passed in; docs/decoder.md ("Deep") states the rules. Built with -ffp-contract=off like the
 * rest: wasm has no fused multiply-add, so every product and sum rounds to float32 as in C++.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exr_deep.h"
#include "exr_deep_flatten.h"

static float half_values[65536];
static int   half_ready = 0;

/* Float value of every half bit pattern (exact). */
static void prepare_half_values (void)
{
    if (half_ready) return;
    for (uint32_t h = 0; h < 65536; ++h)
    {
        uint32_t sign = (h & 0x8000u) << 16, exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu, bits;
        if (exponent == 0)
        {
            float v = (float) mantissa * (1.0f / 16777216.0f); /* mantissa * 2^-24, exact */
            half_values[h] = sign ? -v : v;
            continue;
        }
        if (exponent == 31) bits = sign | 0x7f800000u | (mantissa << 13);
        else bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
        memcpy (half_values + h, &bits, 4);
    }
    half_ready = 1;
}

/* A channel's samples as float (a view for float; converted for half and uint). NULL: no memory. */
static float* as_float (const deep_view* v, int c, int* owned)
{
    *owned = 0;
    if (v->pixel_type[c] == DEEP_FLOAT) return (float*) v->samples[c];
    float* out = (float*) malloc ((size_t) (v->total ? v->total : 1) * sizeof (float));
    if (!out) return NULL;
    *owned = 1;
    for (uint64_t s = 0; s < v->total; ++s)
        out[s] = v->pixel_type[c] == DEEP_HALF ? half_values[((const uint16_t*) v->samples[c])[s]]
                                                : (float) ((const uint32_t*) v->samples[c])[s];
    return out;
}

/* Sample a before sample b: Z, then ZBack, then the file's order; NaN after every number. */
static int before (const float* z, const float* back, uint32_t a, uint32_t b)
{
    float za = z[a], zb = z[b];
    if (za < zb || (za == za && zb != zb)) return 1;
    if (za > zb || (za != za && zb == zb)) return 0;
    float ba = back[a], bb = back[b];
    if (ba < bb || (ba == ba && bb != bb)) return 1;
    if (ba > bb || (ba != ba && bb == bb)) return 0;
    return a < b;
}

/* Sorts order[0 .. n) front to back: insertion sort for the usual few samples, merge sort (with
 * `scratch` of n entries) for many. */
static void sort_samples (const float* z, const float* back, uint32_t* order, uint32_t* scratch, uint32_t n)
{
    if (n <= 32)
    {
        for (uint32_t k = 1; k < n; ++k)
        {
            uint32_t s = order[k], j = k;
            while (j > 0 && before (z, back, s, order[j - 1]))
            {
                order[j] = order[j - 1];
                --j;
            }
            order[j] = s;
        }
        return;
    }
    for (uint32_t width = 1; width < n; width *= 2)
    {
        for (uint32_t lo = 0; lo < n; lo += 2 * width)
        {
            uint32_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            uint32_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) scratch[k++] = before (z, back, order[j], order[i]) ? order[j++] : order[i++];
            while (i < mid) scratch[k++] = order[i++];
            while (j < hi) scratch[k++] = order[j++];
        }
        memcpy (order, scratch, (size_t) n * sizeof (uint32_t));
    }
}

/* Every pixel's samples front to back into `order` (NULL when the file's order is that everywhere:
 * nothing allocated). Returns 0, or -1 when out of memory. */
static int depth_order (const deep_view* v, const float* z, const float* back, uint32_t** order_out)
{
    uint64_t pixels = (uint64_t) v->width * (uint64_t) v->height;
    uint32_t* order = NULL;
    uint32_t* scratch = NULL;
    *order_out = NULL;
    for (uint64_t i = 0; i < pixels; ++i)
    {
        uint32_t first = v->offsets[i], end = v->offsets[i + 1], sorted = 1;
        /* Strictly increasing Z is the common case; ties and NaN need the full comparison. */
        for (uint32_t s = first + 1; s < end && sorted; ++s) sorted = z[s - 1] < z[s] || before (z, back, s - 1, s);
        if (sorted) continue;
        if (!order)
        {
            order   = (uint32_t*) malloc ((size_t) v->total * sizeof (uint32_t));
            scratch = (uint32_t*) malloc ((size_t) v->total * sizeof (uint32_t));
            if (!order || !scratch)
            {
                free (order);
                free (scratch);
                return -1;
            }
            for (uint64_t s = 0; s < v->total; ++s) order[s] = (uint32_t) s;
        }
        sort_samples (z, back, order + first, scratch + first, end - first);
    }
    free (scratch);
    *order_out = order;
    return 0;
}

/* For one alpha, what each sample in depth order lets through of those behind it: 1 - the alpha
 * accumulated in front of it (composite_pixel's arithmetic), 0 once that alpha reached 1 (the
 * samples behind are hidden). `alpha` NULL: opaque samples. */
static void transmittance (const deep_view* v, const uint32_t* order, const float* alpha, float* weights)
{
    uint64_t pixels = (uint64_t) v->width * (uint64_t) v->height;
    memset (weights, 0, (size_t) v->total * sizeof (float));
    for (uint64_t i = 0; i < pixels; ++i)
    {
        float accumulated = 0.0f;
        for (uint32_t k = v->offsets[i]; k < v->offsets[i + 1] && !(accumulated >= 1.0f); ++k)
        {
            float weight = 1.0f - accumulated;
            weights[k]   = weight;
            accumulated  = accumulated + weight * (alpha ? alpha[order ? order[k] : k] : 1.0f);
        }
    }
}

#define COMPOSITE_LOOP(VALUE)                                                                    \
    for (uint64_t i = 0; i < pixels; ++i)                                                        \
    {                                                                                            \
        float sum = 0.0f;                                                                        \
        for (uint32_t k = v->offsets[i]; k < v->offsets[i + 1] && weights[k] != 0.0f; ++k)       \
        {                                                                                        \
            uint32_t s = order ? order[k] : k;                                                   \
            sum        = sum + weights[k] * (VALUE);                                             \
        }                                                                                        \
        out[i] = sum;                                                                            \
    }

/* out[pixel] = the sum over its samples in depth order of weight * value, float32 at every step. */
static void composite (const deep_view* v, const uint32_t* order, const float* weights, int c, float* out)
{
    uint64_t pixels = (uint64_t) v->width * (uint64_t) v->height;
    if (v->pixel_type[c] == DEEP_HALF)
    {
        const uint16_t* half = (const uint16_t*) v->samples[c];
        COMPOSITE_LOOP (half_values[half[s]])
    }
    else
    {
        const float* values = (const float*) v->samples[c];
        COMPOSITE_LOOP (values[s])
    }
}

/* The alpha channel c composites with, DEEP_OPAQUE, or DEEP_NEAREST (uint samples, which are ids).
 * An index the caller got wrong counts as opaque rather than reading outside the channels. */
static int alpha_for (const deep_view* v, const int32_t* alpha_of, int c)
{
    if (v->pixel_type[c] == DEEP_UINT) return DEEP_NEAREST;
    return alpha_of[c] >= DEEP_OPAQUE && alpha_of[c] < v->channels ? alpha_of[c] : DEEP_OPAQUE;
}

int deep_flatten (const deep_view* v, const int32_t* alpha_of, int z_channel, int zback_channel, uint8_t** planes)
{
    prepare_half_values ();
    uint64_t pixels = (uint64_t) v->width * (uint64_t) v->height;
    int      status = -1, own_z = 0, own_back = 0;
    float*   z      = z_channel >= 0 ? as_float (v, z_channel, &own_z) : NULL;
    float*   back   = zback_channel >= 0 ? as_float (v, zback_channel, &own_back) : z;
    uint32_t* order = NULL;
    float*    weights = (float*) malloc ((size_t) (v->total ? v->total : 1) * sizeof (float));
    if ((z_channel >= 0 && !z) || (zback_channel >= 0 && !back) || !weights) goto done;
    if (z && depth_order (v, z, back, &order)) goto done;
    /* Channels that share an alpha share its weights: computed once per alpha, in channel order. */
    for (int group = DEEP_OPAQUE; group < v->channels; ++group)
    {
        int users = 0;
        for (int c = 0; c < v->channels; ++c) users += alpha_for (v, alpha_of, c) == group;
        if (!users) continue;
        int    own   = 0;
        float* alpha = group >= 0 ? as_float (v, group, &own) : NULL;
        if (group >= 0 && !alpha) goto done;
        transmittance (v, order, alpha, weights);
        if (own) free (alpha);
        for (int c = 0; c < v->channels; ++c)
            if (alpha_for (v, alpha_of, c) == group) composite (v, order, weights, c, (float*) planes[c]);
    }
    /* uint channels (ids): the front sample's value. */
    for (int c = 0; c < v->channels; ++c)
    {
        if (alpha_for (v, alpha_of, c) != DEEP_NEAREST) continue;
        const uint32_t* ids = (const uint32_t*) v->samples[c];
        uint32_t*       out = (uint32_t*) planes[c];
        for (uint64_t i = 0; i < pixels; ++i)
        {
            uint32_t first = v->offsets[i];
            out[i] = first < v->offsets[i + 1] ? ids[order ? order[first] : first] : 0;
        }
    }
    status = 0;
done:
    free (order);
    free (weights);
    if (own_z) free (z);
    if (own_back) free (back);
    return status;
}

/* ---------------------------------------------------------------------------------------------
 * The exports on an exrw_deep (exr_deep.c read its samples)
 */
void exrw_deep_free_flat (exrw_deep* d)
{
    for (int c = 0; d->flat && c < d->nch; ++c)
    {
        free (d->flat[c]);
        d->flat[c] = NULL;
    }
}


/** Flattens the samples exrw_deep_read read into one plane per channel in the heap (float32;
 * uint32 for uint channels): exrw_deep_flat(d, c). alpha_of[c] names the channel whose coverage
 * channel c takes (deep_flatten.ts decides from the names; see exr_deep_flatten.h). Returns 0. */
EXRW_EXPORT int exrw_deep_flatten (exrw_deep* d, const int32_t* alpha_of, int z_channel, int zback_channel)
{
    if (!d || !d->offsets || !alpha_of) return EXR_ERR_INVALID_ARGUMENT;
    exrw_clear_error (d->f);
    exrw_deep_free_flat (d);
    size_t plane = (size_t) (d->width * d->height) * 4;
    for (int c = 0; c < d->nch; ++c)
    {
        d->flat[c] = (uint8_t*) malloc (plane ? plane : 1);
        if (!d->flat[c])
        {
            exrw_deep_free_flat (d);
            exrw_set_error (d->f, "out of memory: cannot allocate the flattened planes");
            return EXR_ERR_OUT_OF_MEMORY;
        }
    }
    if (z_channel >= d->nch) z_channel = -1;
    if (zback_channel >= d->nch) zback_channel = -1;
    deep_view view = {d->width, d->height, d->nch, d->type, (const uint8_t* const*) d->samples, d->offsets, d->total};
    if (deep_flatten (&view, alpha_of, z_channel, zback_channel, d->flat))
    {
        exrw_deep_free_flat (d);
        exrw_set_error (d->f, "out of memory while flattening %llu deep samples", (unsigned long long) d->total);
        return EXR_ERR_OUT_OF_MEMORY;
    }
    return 0;
}

/** Index of the channel called `name`, or -1 (for native callers; JavaScript has the header). */
EXRW_EXPORT int exrw_deep_channel_index (exrw_deep* d, const char* name)
{
    for (int c = 0; d && name && c < d->nch; ++c)
        if (d->chans->entries[c].name.str && strcmp (d->chans->entries[c].name.str, name) == 0) return c;
    return -1;
}

EXRW_EXPORT uint8_t* exrw_deep_flat (exrw_deep* d, int c)
{
    return d && d->flat && c >= 0 && c < d->nch ? d->flat[c] : NULL;
}
