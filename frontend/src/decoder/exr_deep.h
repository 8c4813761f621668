/*
 * A deep part being decoded (exr_deep.c) and flattened (exr_deep_flatten.c): what both files see.
 */
#ifndef EXR_DEEP_H
#define EXR_DEEP_H

#ifdef __EMSCRIPTEN__
#    include <emscripten/emscripten.h>
#    define EXRW_EXPORT EMSCRIPTEN_KEEPALIVE
#else
#    define EXRW_EXPORT
#endif
#include <stdint.h>

#include "exr_shim.h"
#include "openexr.h"

/* Mirror exr_shim.c's limits. */
#define EXRW_DEEP_MAX_DIMENSION (1 << 20)
#define EXRW_DEEP_MAX_CHANNELS 1024
#define EXRW_DEEP_HARD_MAX_BYTES (2047.0 * 1024.0 * 1024.0)

typedef struct exrw_deep
{
    exrw_file*       f;
    exr_context_t    ctxt;
    int              part;
    int              tiled;
    exr_attr_box2i_t dw;
    int64_t          width, height;
    int              nch;
    int*             bpe;  /* bytes per sample of each channel: 2 (half) or 4 */
    int*             type; /* OpenEXR's pixel type of each channel */
    const exr_attr_chlist_t* chans;
    int              lines_per_chunk, tile_w, tile_h;
    int32_t          tiles_x, tiles_y;
    uint64_t         total;    /* samples in the part */
    uint32_t*        counts;   /* width * height */
    uint32_t*        offsets;  /* width * height + 1, after exrw_deep_read */
    uint8_t**        samples;  /* per channel, after exrw_deep_read */
    uint8_t**        scratch;  /* per channel: a chunk narrower than the part */
    uint8_t**        flat;     /* per channel, after exrw_deep_flatten: width * height values */
    uint64_t         scratch_samples;
} exrw_deep;

/* Frees the flattened planes (exr_deep_flatten.c). */
void exrw_deep_free_flat (exrw_deep* d);

#endif
