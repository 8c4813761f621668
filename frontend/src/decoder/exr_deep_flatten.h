/*
 * Flattening a deep part's samples (exr_deep_flatten.c), called by exr_deep.c.
 */
#ifndef EXR_DEEP_FLATTEN_H
#define EXR_DEEP_FLATTEN_H

#include <stdint.h>

/* OpenEXR's pixel type numbers. */
#define DEEP_UINT 0
#define DEEP_HALF 1
#define DEEP_FLOAT 2

/* alpha_of values besides a channel index: not blended (uint ids: the front sample's value), and
 * blended as opaque samples (no alpha). */
#define DEEP_NEAREST (-2)
#define DEEP_OPAQUE (-1)

/* A deep part's samples in pixel order: pixel i's samples of channel c are
 * samples[c][offsets[i] .. offsets[i + 1]). */
typedef struct
{
    int64_t                width, height;
    int                    channels;
    const int*             pixel_type;
    const uint8_t* const*  samples;
    const uint32_t*        offsets;
    uint64_t               total;
} deep_view;

/* Composites every pixel into planes[c] (width x height; float32, uint32 for DEEP_NEAREST
 * channels). alpha_of[c]: the channel whose accumulated value is c's alpha (itself for an alpha
 * channel), DEEP_OPAQUE or DEEP_NEAREST. z_channel, zback_channel: -1 when absent. Returns 0, or
 * -1 when out of memory. */
int deep_flatten (const deep_view* v, const int32_t* alpha_of, int z_channel, int zback_channel, uint8_t** planes);

#endif
