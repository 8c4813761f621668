/*
 * Deep parts (deepscanline, deeptile): every pixel holds any number of samples of every channel.
 * Decoded with OpenEXRCore's deep pipeline in two passes over the chunks:
 *
 *   1. exrw_deep_open: the sample count tables alone (EXR_DECODE_SAMPLE_DATA_ONLY), 4 bytes a
 *      pixel, so that the caller weighs the total number of samples against its size limit
 *      before any sample memory exists: a few kilobytes of zlib can declare billions of samples.
 *   2. exrw_deep_read: the samples of every channel as stored (half as 16-bit, float and uint as
 *      32-bit), in pixel order: pixel i's samples of channel c are
 *      samples[c][offsets[i] .. offsets[i + 1]), in the file's order (not sorted by depth).
 *
 * exrw_deep_flatten (exr_deep_flatten.c) then composites them into flat planes, with the alpha
 * of each channel decided from the names in deep_flatten.ts. Tiled parts give level 0. The input
 * is untrusted: every size is 64-bit and checked, the second pass checks that each chunk's sample counts are
 * those of the first before OpenEXRCore unpacks a sample, and errors leave a message in the
 * file's handle (exrw_error).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exr_deep.h"

/* A chunk and the rectangle of the data window it covers. */
typedef struct
{
    exr_chunk_info_t info;
    int64_t          x, y, w, h; /* relative to the data window */
} deep_chunk;

/* What the unpack step checks (deep_counts_match) before it writes a sample. */
typedef struct
{
    exrw_deep*        d;
    const deep_chunk* chunk;
} chunk_check;

static int64_t chunk_total (const exrw_deep* d)
{
    if (d->tiled) return (int64_t) d->tiles_x * d->tiles_y;
    return (d->height + d->lines_per_chunk - 1) / d->lines_per_chunk;
}

static int read_chunk_info (exrw_deep* d, int64_t k, deep_chunk* c)
{
    exr_result_t rv;
    if (d->tiled)
    {
        int tx = (int) (k % d->tiles_x), ty = (int) (k / d->tiles_x);
        rv = exr_read_tile_chunk_info (d->ctxt, d->part, tx, ty, 0, 0, &c->info);
        if (rv != EXR_ERR_SUCCESS) return exrw_fail_core (d->f, rv, "reading the tile table");
        c->x = (int64_t) c->info.start_x * d->tile_w;
        c->y = (int64_t) c->info.start_y * d->tile_h;
    }
    else
    {
        int y = (int) (d->dw.min.y + k * d->lines_per_chunk);
        rv    = exr_read_scanline_chunk_info (d->ctxt, d->part, y, &c->info);
        if (rv != EXR_ERR_SUCCESS) return exrw_fail_core (d->f, rv, "reading the chunk table");
        c->x = 0;
        c->y = (int64_t) c->info.start_y - d->dw.min.y;
    }
    c->w = c->info.width;
    c->h = c->info.height;
    if (c->x < 0 || c->y < 0 || c->w < 0 || c->h < 0 || c->x + c->w > d->width || c->y + c->h > d->height)
    {
        exrw_set_error (d->f, "corrupt chunk table: chunk %d lies outside the data window", c->info.idx);
        return EXR_ERR_CORRUPT_CHUNK;
    }
    return 0;
}

/* A chunk failed: OpenEXRCore's own message if it gave one, else what and where. */
static int fail_chunk (exrw_deep* d, const deep_chunk* c, exr_result_t rv, const char* what)
{
    if (!exrw_error (d->f)[0])
        exrw_set_error (d->f, "corrupt chunk %d: %s: %s", c->info.idx, what, exr_get_default_error_message (rv));
    return (int) rv ? (int) rv : -1;
}

/* Initialises the pipeline for the first chunk, updates it for the next ones. */
static int prepare_pipeline (exrw_deep* d, const deep_chunk* c, exr_decode_pipeline_t* dec, int* ready, uint16_t flags)
{
    exr_result_t rv = *ready ? exr_decoding_update (d->ctxt, d->part, &c->info, dec)
                             : exr_decoding_initialize (d->ctxt, d->part, &c->info, dec);
    if (rv != EXR_ERR_SUCCESS) return exrw_fail_core (d->f, rv, "preparing to decode");
    *ready            = 1;
    dec->decode_flags = flags;
    if (dec->channel_count != d->nch)
    {
        exrw_set_error (d->f, "corrupt chunk: %d channels decoded, header declares %d", dec->channel_count, d->nch);
        return EXR_ERR_CORRUPT_CHUNK;
    }
    return 0;
}

static void free_samples (exrw_deep* d)
{
    for (int c = 0; c < d->nch; ++c)
    {
        if (d->samples) free (d->samples[c]);
        if (d->scratch) free (d->scratch[c]);
        if (d->samples) d->samples[c] = NULL;
        if (d->scratch) d->scratch[c] = NULL;
    }
    free (d->offsets);
    d->offsets         = NULL;
    d->scratch_samples = 0;
    exrw_deep_free_flat (d);
}

EXRW_EXPORT void exrw_deep_close (exrw_deep* d)
{
    if (!d) return;
    free_samples (d);
    free (d->samples);
    free (d->scratch);
    free (d->flat);
    free (d->bpe);
    free (d->type);
    free (d->counts);
    free (d);
}

/* Pass 1: the sample count of every pixel. */
static int read_counts (exrw_deep* d)
{
    exr_decode_pipeline_t dec    = EXR_DECODE_PIPELINE_INITIALIZER;
    int                   ready  = 0;
    int                   status = 0;
    int64_t               n      = chunk_total (d);
    for (int64_t k = 0; !status && k < n; ++k)
    {
        deep_chunk c;
        if ((status = read_chunk_info (d, k, &c))) break;
        if ((status = prepare_pipeline (
                 d, &c, &dec, &ready, EXR_DECODE_SAMPLE_DATA_ONLY | EXR_DECODE_SAMPLE_COUNTS_AS_INDIVIDUAL)))
            break;
        exr_result_t rv = exr_decoding_choose_default_routines (d->ctxt, d->part, &dec);
        if (rv == EXR_ERR_SUCCESS) rv = exr_decoding_run (d->ctxt, d->part, &dec);
        if (rv != EXR_ERR_SUCCESS)
        {
            status = fail_chunk (d, &c, rv, "reading its sample counts");
            break;
        }
        /* Individual counts, one per pixel of the chunk, each >= 0 (the core checked that the
         * cumulative table does not decrease), then the chunk's total. */
        const int32_t* table = dec.sample_count_table;
        if (!table && c.w * c.h > 0)
        {
            exrw_set_error (d->f, "corrupt chunk %d: no sample count table", c.info.idx);
            status = EXR_ERR_CORRUPT_CHUNK;
            break;
        }
        for (int64_t r = 0; r < c.h; ++r)
        {
            uint32_t* row = d->counts + (c.y + r) * d->width + c.x;
            for (int64_t x = 0; x < c.w; ++x)
            {
                row[x] = (uint32_t) table[r * c.w + x];
                d->total += row[x];
            }
        }
    }
    if (ready) exr_decoding_destroy (d->ctxt, &dec);
    return status;
}

/** Opens deep part `part` and reads every pixel's sample count (see the top of this file).
 * Returns NULL on failure (read exrw_error) or when out of memory. */
EXRW_EXPORT exrw_deep* exrw_deep_open (exrw_file* f, int part)
{
    if (!f) return NULL;
    exrw_clear_error (f);
    exr_context_t ctxt = exrw_core_context (f);
    if (!ctxt)
    {
        exrw_set_error (f, "the file could not be opened");
        return NULL;
    }
    int                      nparts = 0;
    exr_storage_t            storage;
    const exr_attr_chlist_t* chans = NULL;
    exr_attr_box2i_t         dw;
    exr_result_t             rv;
    if ((rv = exr_get_count (ctxt, &nparts)))
    {
        exrw_fail_core (f, rv, "counting parts");
        return NULL;
    }
    if (part < 0 || part >= nparts)
    {
        exrw_set_error (f, "part %d does not exist (the file has %d)", part, nparts);
        return NULL;
    }
    if ((rv = exr_get_storage (ctxt, part, &storage)) || (rv = exr_get_data_window (ctxt, part, &dw)) ||
        (rv = exr_get_channels (ctxt, part, &chans)))
    {
        exrw_fail_core (f, rv, "reading part header");
        return NULL;
    }
    if (storage != EXR_STORAGE_DEEP_SCANLINE && storage != EXR_STORAGE_DEEP_TILED)
    {
        exrw_set_error (f, "part %d does not store deep data", part);
        return NULL;
    }
    int64_t width  = (int64_t) dw.max.x - dw.min.x + 1;
    int64_t height = (int64_t) dw.max.y - dw.min.y + 1;
    int     nch    = chans ? chans->num_channels : 0;
    if (width <= 0 || height <= 0 || width > EXRW_DEEP_MAX_DIMENSION || height > EXRW_DEEP_MAX_DIMENSION)
    {
        exrw_set_error (f, "data window of %lld x %lld pixels is out of range", (long long) width, (long long) height);
        return NULL;
    }
    if (nch <= 0 || nch > EXRW_DEEP_MAX_CHANNELS)
    {
        exrw_set_error (f, "part %d has %d channels (at most %d are supported)", part, nch, EXRW_DEEP_MAX_CHANNELS);
        return NULL;
    }
    double count_bytes = (double) width * (double) height * 4.0;
    if (count_bytes > EXRW_DEEP_HARD_MAX_BYTES)
    {
        exrw_set_error (
            f,
            "image too large: the sample counts of %lld x %lld pixels need more than the %.0f MiB limit",
            (long long) width,
            (long long) height,
            EXRW_DEEP_HARD_MAX_BYTES / (1024.0 * 1024.0));
        return NULL;
    }

    exrw_deep* d = (exrw_deep*) calloc (1, sizeof (exrw_deep));
    if (!d)
    {
        exrw_set_error (f, "out of memory");
        return NULL;
    }
    d->f      = f;
    d->ctxt   = ctxt;
    d->part   = part;
    d->tiled  = storage == EXR_STORAGE_DEEP_TILED;
    d->dw     = dw;
    d->width  = width;
    d->height = height;
    d->nch    = nch;
    d->chans  = chans;
    d->bpe     = (int*) calloc ((size_t) nch, sizeof (int));
    d->type    = (int*) calloc ((size_t) nch, sizeof (int));
    d->flat    = (uint8_t**) calloc ((size_t) nch, sizeof (uint8_t*));
    d->samples = (uint8_t**) calloc ((size_t) nch, sizeof (uint8_t*));
    d->scratch = (uint8_t**) calloc ((size_t) nch, sizeof (uint8_t*));
    d->counts  = (uint32_t*) calloc ((size_t) (width * height), sizeof (uint32_t));
    if (!d->bpe || !d->type || !d->flat || !d->samples || !d->scratch || !d->counts)
    {
        exrw_deep_close (d);
        exrw_set_error (f, "out of memory: cannot hold the sample counts of %lld x %lld pixels", (long long) width, (long long) height);
        return NULL;
    }
    for (int c = 0; c < nch; ++c)
    {
        const exr_attr_chlist_entry_t* e = chans->entries + c;
        if (e->x_sampling != 1 || e->y_sampling != 1)
        {
            exrw_set_error (f, "channel %d of a deep part is subsampled (%d x %d)", c, e->x_sampling, e->y_sampling);
            exrw_deep_close (d);
            return NULL;
        }
        d->bpe[c]  = e->pixel_type == EXR_PIXEL_HALF ? 2 : 4;
        d->type[c] = (int) e->pixel_type;
    }
    if (d->tiled)
    {
        int32_t tw = 0, th = 0;
        if ((rv = exr_get_tile_sizes (ctxt, part, 0, 0, &tw, &th)) ||
            (rv = exr_get_tile_counts (ctxt, part, 0, 0, &d->tiles_x, &d->tiles_y)))
        {
            exrw_fail_core (f, rv, "reading the tile layout");
            exrw_deep_close (d);
            return NULL;
        }
        d->tile_w = tw;
        d->tile_h = th;
        if (tw <= 0 || th <= 0 || d->tiles_x <= 0 || d->tiles_y <= 0)
        {
            exrw_set_error (f, "invalid tiles: %d x %d pixels, %d x %d tiles", tw, th, d->tiles_x, d->tiles_y);
            exrw_deep_close (d);
            return NULL;
        }
    }
    else
    {
        int32_t lpc = 0;
        if ((rv = exr_get_scanlines_per_chunk (ctxt, part, &lpc)) || lpc <= 0)
        {
            if (rv) exrw_fail_core (f, rv, "reading scanlines per chunk");
            else exrw_set_error (f, "invalid chunk height %d", lpc);
            exrw_deep_close (d);
            return NULL;
        }
        d->lines_per_chunk = lpc;
    }
    if (read_counts (d))
    {
        exrw_deep_close (d);
        return NULL;
    }
    return d;
}

/** Whether part `part` stores deep data (for native callers; JavaScript reads the header JSON). */
EXRW_EXPORT int exrw_part_is_deep (exrw_file* f, int part)
{
    exr_context_t ctxt = exrw_core_context (f);
    exr_storage_t storage;
    return ctxt && exr_get_storage (ctxt, part, &storage) == EXR_ERR_SUCCESS &&
           (storage == EXR_STORAGE_DEEP_SCANLINE || storage == EXR_STORAGE_DEEP_TILED);
}

/** Samples in the part, summed over every pixel and counted once for all channels. */
EXRW_EXPORT double exrw_deep_sample_count (exrw_deep* d) { return d ? (double) d->total : 0; }

/** Bytes of one sample of every channel together. */
EXRW_EXPORT int exrw_deep_sample_bytes (exrw_deep* d)
{
    int n = 0;
    for (int c = 0; d && c < d->nch; ++c) n += d->bpe[c];
    return n;
}

/* Runs before OpenEXRCore unpacks a chunk's samples (realloc_nonimage_data_fn): the chunk must
 * declare exactly the counts of the first pass, which sized the buffers it writes into. */
static exr_result_t deep_counts_match (exr_decode_pipeline_t* dec)
{
    const chunk_check* check = (const chunk_check*) dec->decoding_user_data;
    const exrw_deep*   d     = check->d;
    const deep_chunk*  c     = check->chunk;
    const int32_t*     table = dec->sample_count_table;
    if (!table && c->w * c->h > 0) return EXR_ERR_INVALID_SAMPLE_DATA;
    for (int64_t r = 0; r < c->h; ++r)
    {
        const uint32_t* row = d->counts + (c->y + r) * d->width + c->x;
        for (int64_t x = 0; x < c->w; ++x)
            if ((uint32_t) table[r * c->w + x] != row[x]) return EXR_ERR_INVALID_SAMPLE_DATA;
    }
    return EXR_ERR_SUCCESS;
}

static int decode_samples_of_chunk (exrw_deep* d, const deep_chunk* c, exr_decode_pipeline_t* dec, int* ready, double max_bytes)
{
    /* A chunk's samples lie in one run of the output when it spans whole rows; a tile narrower
     * than the part goes through scratch, one run per row. */
    int      whole_rows = c->x == 0 && c->w == d->width;
    uint64_t first      = d->offsets[c->y * d->width + c->x];
    uint64_t n          = 0;
    for (int64_t r = 0; r < c->h; ++r)
    {
        int64_t at = (c->y + r) * d->width + c->x;
        n += (uint64_t) d->offsets[at + c->w] - d->offsets[at];
    }
    if ((double) c->info.unpacked_size > max_bytes)
    {
        exrw_set_error (
            d->f,
            "corrupt chunk %d: it declares %llu bytes of samples, more than the whole part may hold",
            c->info.idx,
            (unsigned long long) c->info.unpacked_size);
        return EXR_ERR_CORRUPT_CHUNK;
    }
    if (!whole_rows && n > d->scratch_samples)
    {
        for (int ch = 0; ch < d->nch; ++ch)
        {
            free (d->scratch[ch]);
            d->scratch[ch] = (uint8_t*) malloc ((size_t) (n * (uint64_t) d->bpe[ch]));
            if (!d->scratch[ch])
            {
                d->scratch_samples = 0;
                exrw_set_error (d->f, "out of memory");
                return EXR_ERR_OUT_OF_MEMORY;
            }
        }
        d->scratch_samples = n;
    }
    int status = prepare_pipeline (d, c, dec, ready, EXR_DECODE_SAMPLE_COUNTS_AS_INDIVIDUAL);
    if (status) return status;
    for (int ch = 0; ch < d->nch; ++ch)
    {
        exr_coding_channel_info_t* info = dec->channels + ch;
        if (info->bytes_per_element != d->bpe[ch])
        {
            exrw_set_error (d->f, "corrupt chunk: channel layout differs from the header");
            return EXR_ERR_CORRUPT_CHUNK;
        }
        info->user_bytes_per_element = (int16_t) d->bpe[ch];
        info->user_data_type         = info->data_type;
        info->user_pixel_stride      = d->bpe[ch];
        info->user_line_stride       = 0;
        info->decode_to_ptr = whole_rows ? d->samples[ch] + first * (uint64_t) d->bpe[ch] : d->scratch[ch];
    }
    chunk_check check            = {d, c};
    dec->decoding_user_data      = &check;
    dec->realloc_nonimage_data_fn = deep_counts_match;
    exr_result_t rv              = exr_decoding_choose_default_routines (d->ctxt, d->part, dec);
    if (rv == EXR_ERR_SUCCESS) rv = exr_decoding_run (d->ctxt, d->part, dec);
    dec->decoding_user_data = NULL;
    if (rv != EXR_ERR_SUCCESS)
    {
        if (rv == EXR_ERR_INVALID_SAMPLE_DATA)
            exrw_set_error (d->f, "corrupt chunk %d: its sample counts differ between two reads", c->info.idx);
        return fail_chunk (d, c, rv, "decoding its samples");
    }
    if (!whole_rows)
    {
        uint64_t from = 0;
        for (int64_t r = 0; r < c->h; ++r)
        {
            int64_t  at    = (c->y + r) * d->width + c->x;
            uint64_t begin = d->offsets[at], count = (uint64_t) d->offsets[at + c->w] - begin;
            for (int ch = 0; ch < d->nch; ++ch)
            {
                uint64_t b = (uint64_t) d->bpe[ch];
                memcpy (d->samples[ch] + begin * b, d->scratch[ch] + from * b, (size_t) (count * b));
            }
            from += count;
        }
    }
    return 0;
}

/** Pass 2: every sample of every channel (see the top of this file). `max_bytes` caps the
 * samples and offsets together; the caller checks its own limit on exrw_deep_sample_count first
 * and names it, this is the backstop. Returns 0 on success. */
EXRW_EXPORT int exrw_deep_read (exrw_deep* d, double max_bytes)
{
    if (!d) return EXR_ERR_OUT_OF_MEMORY;
    exrw_clear_error (d->f);
    free_samples (d);
    if (max_bytes <= 0 || max_bytes > EXRW_DEEP_HARD_MAX_BYTES) max_bytes = EXRW_DEEP_HARD_MAX_BYTES;
    uint64_t pixels = (uint64_t) d->width * (uint64_t) d->height;
    double   need   = (double) d->total * exrw_deep_sample_bytes (d) + (double) (pixels + 1) * 4.0;
    if (need > max_bytes || d->total > UINT32_MAX)
    {
        exrw_set_error (
            d->f,
            "image too large: %llu deep samples need %.0f MiB, more than the %.0f MiB limit",
            (unsigned long long) d->total,
            need / (1024.0 * 1024.0),
            max_bytes / (1024.0 * 1024.0));
        return EXR_ERR_OUT_OF_MEMORY;
    }
    d->offsets = (uint32_t*) malloc ((size_t) ((pixels + 1) * 4));
    if (!d->offsets)
    {
        exrw_set_error (d->f, "out of memory");
        return EXR_ERR_OUT_OF_MEMORY;
    }
    uint64_t sum = 0;
    for (uint64_t i = 0; i < pixels; ++i)
    {
        d->offsets[i] = (uint32_t) sum;
        sum += d->counts[i];
    }
    d->offsets[pixels] = (uint32_t) sum;
    for (int c = 0; c < d->nch; ++c)
    {
        d->samples[c] = (uint8_t*) malloc ((size_t) (d->total * (uint64_t) d->bpe[c]) + 1);
        if (!d->samples[c])
        {
            free_samples (d);
            exrw_set_error (
                d->f, "out of memory: cannot allocate %.0f MiB for deep samples", need / (1024.0 * 1024.0));
            return EXR_ERR_OUT_OF_MEMORY;
        }
    }
    exr_decode_pipeline_t dec    = EXR_DECODE_PIPELINE_INITIALIZER;
    int                   ready  = 0;
    int                   status = 0;
    int64_t               n      = chunk_total (d);
    for (int64_t k = 0; !status && k < n; ++k)
    {
        deep_chunk c;
        status = read_chunk_info (d, k, &c);
        if (!status) status = decode_samples_of_chunk (d, &c, &dec, &ready, max_bytes);
    }
    if (ready) exr_decoding_destroy (d->ctxt, &dec);
    for (int c = 0; c < d->nch; ++c)
    {
        free (d->scratch[c]);
        d->scratch[c] = NULL;
    }
    d->scratch_samples = 0;
    if (status) free_samples (d);
    return status;
}

EXRW_EXPORT uint32_t* exrw_deep_counts (exrw_deep* d) { return d ? d->counts : NULL; }
EXRW_EXPORT uint32_t* exrw_deep_offsets (exrw_deep* d) { return d ? d->offsets : NULL; }
EXRW_EXPORT uint8_t*  exrw_deep_channel (exrw_deep* d, int c)
{
    return d && d->samples && c >= 0 && c < d->nch ? d->samples[c] : NULL;
}
