/*
 * The thin C layer between OpenEXRCore and JavaScript: open an EXR held in memory, describe its
 * headers as JSON, and decode a band of rows of one part into planar buffers.
 *
 * Robustness rules (the input is untrusted): every size is computed in 64 bits and checked
 * before it is used, the total output of a decode is capped (EXRW_DEFAULT_MAX_OUTPUT, see
 * docs/decoder.md), nothing calls abort() (malloc failure is reported; the module is built
 * with ABORTING_MALLOC=0), and every error leaves a readable message in the file's handle.
 */
#ifdef __EMSCRIPTEN__
#    include <emscripten/emscripten.h>
#    define EXRW_EXPORT EMSCRIPTEN_KEEPALIVE
#else
/* Native builds (bench/, debugging with sanitizers) link the same file. */
#    define EXRW_EXPORT
#endif
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openexr.h"
#include "exr_shim.h"


/* Default cap on the bytes a single decode call may produce (all planes of one band). A 4K frame
 * with 16 float channels is 531 MB; 1 GiB leaves room for the compressed file in the same 4 GiB
 * wasm memory. The caller may lower or raise it up to EXRW_HARD_MAX_OUTPUT. */
#define EXRW_DEFAULT_MAX_OUTPUT (1024.0 * 1024.0 * 1024.0)
#define EXRW_HARD_MAX_OUTPUT (2047.0 * 1024.0 * 1024.0)
/* Refuse absurd header dimensions before the core allocates anything for them. */
#define EXRW_MAX_DIMENSION (1 << 20)
#define EXRW_MAX_CHANNELS 1024
#define EXRW_PLANE_ALIGN 16

typedef struct exrw_file
{
    exr_context_t  ctxt;
    const uint8_t* data;
    size_t         size;
    char           error[1024];
    char*          header_json;

    /* Output of the last decode: one allocation, planes at 16-byte aligned offsets. */
    uint8_t*  out;
    uint64_t  out_size;
    int       out_channels;
    uint32_t* out_offsets; /* per channel, into out */
    int       band_row_begin, band_row_end; /* rows relative to the data window */

    /* The pipeline's own chunk reader, for the chunks read_in_place hands back to it. */
    exr_result_t (*copying_read) (exr_decode_pipeline_t*);
} exrw_file;

/* ---------------------------------------------------------------------------------------------
 * Errors
 */

static void set_error (exrw_file* f, const char* fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (f->error, sizeof (f->error), fmt, ap);
    va_end (ap);
}

/* OpenEXRCore reports details through this callback before returning an error code; keep the
 * first message of an operation, it names the actual problem. */
static void on_core_error (exr_const_context_t ctxt, exr_result_t code, const char* msg)
{
    exrw_file* f = NULL;
    if (exr_get_user_data (ctxt, (void**) &f) != EXR_ERR_SUCCESS || !f) return;
    if (f->error[0] == '\0')
        snprintf (
            f->error,
            sizeof (f->error),
            "%s: %s",
            exr_get_error_code_as_string (code),
            msg ? msg : "");
}

static int fail_core (exrw_file* f, exr_result_t rv, const char* what)
{
    if (f->error[0] == '\0')
        set_error (
            f,
            "%s: %s",
            what,
            exr_get_default_error_message (rv));
    return (int) rv ? (int) rv : -1;
}

/* ---------------------------------------------------------------------------------------------
 * In-memory stream
 */

static int64_t read_memory (
    exr_const_context_t         ctxt,
    void*                       userdata,
    void*                       buffer,
    uint64_t                    sz,
    uint64_t                    offset,
    exr_stream_error_func_ptr_t error_cb)
{
    exrw_file* f = (exrw_file*) userdata;
    (void) ctxt;
    (void) error_cb;
    if (offset >= f->size) return 0;
    uint64_t avail = f->size - offset;
    uint64_t n     = sz < avail ? sz : avail;
    memcpy (buffer, f->data + offset, (size_t) n);
    return (int64_t) n;
}

static int64_t query_size (exr_const_context_t ctxt, void* userdata)
{
    (void) ctxt;
    return (int64_t) ((exrw_file*) userdata)->size;
}

/* ---------------------------------------------------------------------------------------------
 * JSON building
 */

typedef struct
{
    char*  buf;
    size_t len, cap;
    int    oom;
} json_t;

static void json_raw (json_t* j, const char* s, size_t n)
{
    if (j->oom) return;
    if (j->len + n + 1 > j->cap)
    {
        size_t cap = j->cap ? j->cap : 1024;
        while (cap < j->len + n + 1) cap *= 2;
        char* nb = (char*) realloc (j->buf, cap);
        if (!nb)
        {
            j->oom = 1;
            return;
        }
        j->buf = nb;
        j->cap = cap;
    }
    memcpy (j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}

static void json_lit (json_t* j, const char* s) { json_raw (j, s, strlen (s)); }

static void json_fmt (json_t* j, const char* fmt, ...)
{
    char    tmp[128];
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (tmp, sizeof (tmp), fmt, ap);
    va_end (ap);
    if (n > 0) json_raw (j, tmp, (size_t) n < sizeof (tmp) ? (size_t) n : sizeof (tmp) - 1);
}

/* Header strings are arbitrary bytes; escape what JSON forbids. Invalid UTF-8 is replaced by
 * TextDecoder on the JS side. */
static void json_str_n (json_t* j, const char* s, int32_t n)
{
    json_lit (j, "\"");
    for (int32_t i = 0; s && i < n; ++i)
    {
        unsigned char c = (unsigned char) s[i];
        if (c == '"') json_lit (j, "\\\"");
        else if (c == '\\') json_lit (j, "\\\\");
        else if (c < 0x20) json_fmt (j, "\\u%04x", c);
        else json_raw (j, (const char*) &c, 1);
    }
    json_lit (j, "\"");
}

static void json_str (json_t* j, const char* s) { json_str_n (j, s, s ? (int32_t) strlen (s) : 0); }

static void json_num (json_t* j, double v)
{
    if (isnan (v)) json_lit (j, "\"NaN\"");
    else if (isinf (v)) json_lit (j, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else json_fmt (j, "%.17g", v);
}

static void json_fnum (json_t* j, float v)
{
    if (isnan (v) || isinf (v)) json_num (j, (double) v);
    else json_fmt (j, "%.17g", (double) v); /* exact: the float32 value as a double */
}

static void json_box (json_t* j, exr_attr_box2i_t b)
{
    json_fmt (
        j,
        "{\"xMin\":%d,\"yMin\":%d,\"xMax\":%d,\"yMax\":%d}",
        b.min.x,
        b.min.y,
        b.max.x,
        b.max.y);
}

static const char* compression_name (exr_compression_t c)
{
    static const char* names[] = {
        "NONE", "RLE",  "ZIPS", "ZIP",      "PIZ",     "PXR24", "B44",
        "B44A", "DWAA", "DWAB", "HTJ2K256", "HTJ2K32", "LJ2K",  "ZSTD"};
    if ((unsigned) c < sizeof (names) / sizeof (names[0])) return names[c];
    return "UNKNOWN";
}

static const char* pixel_type_name (exr_pixel_type_t t)
{
    switch (t)
    {
        case EXR_PIXEL_UINT: return "uint";
        case EXR_PIXEL_HALF: return "half";
        case EXR_PIXEL_FLOAT: return "float";
        default: return "unknown";
    }
}

static const char* storage_name (exr_storage_t s)
{
    switch (s)
    {
        case EXR_STORAGE_SCANLINE: return "scanline";
        case EXR_STORAGE_TILED: return "tiled";
        case EXR_STORAGE_DEEP_SCANLINE: return "deep_scanline";
        case EXR_STORAGE_DEEP_TILED: return "deep_tiled";
        default: return "unknown";
    }
}

static void json_float_array (json_t* j, const float* v, int n)
{
    json_lit (j, "[");
    for (int i = 0; i < n; ++i)
    {
        if (i) json_lit (j, ",");
        json_fnum (j, v[i]);
    }
    json_lit (j, "]");
}

static void json_double_array (json_t* j, const double* v, int n)
{
    json_lit (j, "[");
    for (int i = 0; i < n; ++i)
    {
        if (i) json_lit (j, ",");
        json_num (j, v[i]);
    }
    json_lit (j, "]");
}

/* One attribute value, shaped like ExrPart.attributes (decoder/types.ts: string | number |
 * number[] | string[] | record of numbers). Non-finite numbers are written as the strings "NaN",
 * "Infinity", "-Infinity" (JSON has no such numbers); decoder/attributes.ts turns them back into
 * numbers, knowing from the attribute's type that a string there can only be one of those.
 * Values the viewer does not interpret (previews, bytes, opaque and unknown types such as
 * idManifest) are described by their size. Returns 0 for a channel list (ExrPart.channels). */
static int json_attr_value (json_t* j, const exr_attribute_t* a)
{
    switch (a->type)
    {
        case EXR_ATTR_STRING:
            json_str_n (j, a->string->str, a->string->length);
            return 1;
        case EXR_ATTR_INT: json_fmt (j, "%d", a->i); return 1;
        case EXR_ATTR_FLOAT: json_fnum (j, a->f); return 1;
        case EXR_ATTR_DOUBLE: json_num (j, a->d); return 1;
        case EXR_ATTR_COMPRESSION:
            json_str (j, compression_name ((exr_compression_t) a->uc));
            return 1;
        case EXR_ATTR_LINEORDER:
            json_str (
                j,
                a->uc == EXR_LINEORDER_INCREASING_Y   ? "INCREASING_Y"
                : a->uc == EXR_LINEORDER_DECREASING_Y ? "DECREASING_Y"
                : a->uc == EXR_LINEORDER_RANDOM_Y     ? "RANDOM_Y"
                                                      : "UNKNOWN");
            return 1;
        case EXR_ATTR_ENVMAP:
            json_str (
                j,
                a->uc == EXR_ENVMAP_LATLONG ? "LATLONG"
                : a->uc == EXR_ENVMAP_CUBE  ? "CUBE"
                                            : "UNKNOWN");
            return 1;
        case EXR_ATTR_DEEP_IMAGE_STATE: json_fmt (j, "%d", a->uc); return 1;
        case EXR_ATTR_BOX2I: json_box (j, *a->box2i); return 1;
        case EXR_ATTR_BOX2F:
            json_lit (j, "{\"xMin\":");
            json_fnum (j, a->box2f->min.x);
            json_lit (j, ",\"yMin\":");
            json_fnum (j, a->box2f->min.y);
            json_lit (j, ",\"xMax\":");
            json_fnum (j, a->box2f->max.x);
            json_lit (j, ",\"yMax\":");
            json_fnum (j, a->box2f->max.y);
            json_lit (j, "}");
            return 1;
        case EXR_ATTR_CHROMATICITIES: {
            const exr_attr_chromaticities_t* c = a->chromaticities;
            const char* keys[] = {"redX", "redY", "greenX", "greenY", "blueX", "blueY", "whiteX", "whiteY"};
            float vals[] = {c->red_x, c->red_y, c->green_x, c->green_y, c->blue_x, c->blue_y, c->white_x, c->white_y};
            json_lit (j, "{");
            for (int i = 0; i < 8; ++i)
            {
                if (i) json_lit (j, ",");
                json_str (j, keys[i]);
                json_lit (j, ":");
                json_fnum (j, vals[i]);
            }
            json_lit (j, "}");
            return 1;
        }
        case EXR_ATTR_V2I: json_fmt (j, "[%d,%d]", a->v2i->x, a->v2i->y); return 1;
        case EXR_ATTR_V3I:
            json_fmt (j, "[%d,%d,%d]", a->v3i->x, a->v3i->y, a->v3i->z);
            return 1;
        case EXR_ATTR_V2F: json_float_array (j, &a->v2f->x, 2); return 1;
        case EXR_ATTR_V3F: json_float_array (j, &a->v3f->x, 3); return 1;
        case EXR_ATTR_V2D: json_double_array (j, &a->v2d->x, 2); return 1;
        case EXR_ATTR_V3D: json_double_array (j, &a->v3d->x, 3); return 1;
        case EXR_ATTR_M33F: json_float_array (j, a->m33f->m, 9); return 1;
        case EXR_ATTR_M44F: json_float_array (j, a->m44f->m, 16); return 1;
        case EXR_ATTR_M33D: json_double_array (j, a->m33d->m, 9); return 1;
        case EXR_ATTR_M44D: json_double_array (j, a->m44d->m, 16); return 1;
        case EXR_ATTR_FLOAT_VECTOR:
            json_float_array (j, a->floatvector->arr, a->floatvector->length);
            return 1;
        case EXR_ATTR_RATIONAL:
            json_fmt (j, "{\"num\":%d,\"denom\":%u}", a->rational->num, a->rational->denom);
            return 1;
        case EXR_ATTR_TIMECODE:
            json_fmt (
                j,
                "{\"timeAndFlags\":%u,\"userData\":%u}",
                a->timecode->time_and_flags,
                a->timecode->user_data);
            return 1;
        case EXR_ATTR_KEYCODE: {
            const exr_attr_keycode_t* k = a->keycode;
            json_fmt (
                j,
                "{\"filmMfcCode\":%d,\"filmType\":%d,\"prefix\":%d,\"count\":%d,",
                k->film_mfc_code,
                k->film_type,
                k->prefix,
                k->count);
            json_fmt (
                j,
                "\"perfOffset\":%d,\"perfsPerFrame\":%d,\"perfsPerCount\":%d}",
                k->perf_offset,
                k->perfs_per_frame,
                k->perfs_per_count);
            return 1;
        }
        case EXR_ATTR_TILEDESC:
            json_fmt (
                j,
                "{\"xSize\":%u,\"ySize\":%u,\"levelMode\":%d,\"roundingMode\":%d}",
                a->tiledesc->x_size,
                a->tiledesc->y_size,
                (int) EXR_GET_TILE_LEVEL_MODE (*a->tiledesc),
                (int) EXR_GET_TILE_ROUND_MODE (*a->tiledesc));
            return 1;
        case EXR_ATTR_STRING_VECTOR:
            json_lit (j, "[");
            for (int32_t i = 0; i < a->stringvector->n_strings; ++i)
            {
                const exr_attr_string_t* s = a->stringvector->strings + i;
                if (i) json_lit (j, ",");
                json_str_n (j, s->str, s->length);
            }
            json_lit (j, "]");
            return 1;
        case EXR_ATTR_PREVIEW:
            json_fmt (j, "{\"width\":%u,\"height\":%u}", a->preview->width, a->preview->height);
            return 1;
        case EXR_ATTR_BYTES:
            json_fmt (j, "{\"byteLength\":%llu}", (unsigned long long) a->bytes->size);
            return 1;
        case EXR_ATTR_OPAQUE:
            json_fmt (j, "{\"byteLength\":%d}", a->opaque ? a->opaque->size : 0);
            return 1;
        case EXR_ATTR_CHLIST: return 0;
        default: return 0;
    }
}

static int lines_per_chunk (exrw_file* f, int part, exr_storage_t storage, int* out)
{
    if (storage == EXR_STORAGE_TILED || storage == EXR_STORAGE_DEEP_TILED)
    {
        uint32_t tx = 0, ty = 0;
        exr_result_t rv = exr_get_tile_sizes (f->ctxt, part, 0, 0, (int32_t*) &tx, (int32_t*) &ty);
        if (rv != EXR_ERR_SUCCESS) return fail_core (f, rv, "reading tile size");
        *out = (int) ty;
        return 0;
    }
    int32_t lpc = 0;
    exr_result_t rv = exr_get_scanlines_per_chunk (f->ctxt, part, &lpc);
    if (rv != EXR_ERR_SUCCESS) return fail_core (f, rv, "reading scanlines per chunk");
    *out = lpc;
    return 0;
}

static int build_header_json (exrw_file* f)
{
    json_t       j = {0};
    int          nparts = 0;
    exr_result_t rv     = exr_get_count (f->ctxt, &nparts);
    if (rv != EXR_ERR_SUCCESS) return fail_core (f, rv, "counting parts");

    json_lit (&j, "{\"parts\":[");
    for (int p = 0; p < nparts; ++p)
    {
        const char*               name = NULL;
        exr_storage_t             storage;
        exr_compression_t         comp;
        exr_attr_box2i_t          dw, disp;
        const exr_attr_chlist_t*  chans = NULL;
        int32_t                   chunks = 0;
        int                       lpc    = 0;

        if (p) json_lit (&j, ",");
        if ((rv = exr_get_storage (f->ctxt, p, &storage)) ||
            (rv = exr_get_compression (f->ctxt, p, &comp)) ||
            (rv = exr_get_data_window (f->ctxt, p, &dw)) ||
            (rv = exr_get_display_window (f->ctxt, p, &disp)) ||
            (rv = exr_get_channels (f->ctxt, p, &chans)) ||
            (rv = exr_get_chunk_count (f->ctxt, p, &chunks)))
        {
            free (j.buf);
            return fail_core (f, rv, "reading part header");
        }
        if (exr_get_name (f->ctxt, p, &name) != EXR_ERR_SUCCESS) name = NULL;
        if (lines_per_chunk (f, p, storage, &lpc))
        {
            free (j.buf);
            return -1;
        }

        json_lit (&j, "{\"name\":");
        if (name) json_str (&j, name);
        else json_lit (&j, "null");
        json_lit (&j, ",\"storage\":");
        json_str (&j, storage_name (storage));
        json_lit (&j, ",\"compression\":");
        json_str (&j, compression_name (comp));
        json_lit (&j, ",\"dataWindow\":");
        json_box (&j, dw);
        json_lit (&j, ",\"displayWindow\":");
        json_box (&j, disp);
        json_fmt (
            &j,
            ",\"width\":%lld,\"height\":%lld,\"chunkCount\":%d,\"linesPerChunk\":%d",
            (long long) dw.max.x - dw.min.x + 1,
            (long long) dw.max.y - dw.min.y + 1,
            chunks,
            lpc);
        json_lit (&j, ",\"channels\":[");
        for (int c = 0; chans && c < chans->num_channels; ++c)
        {
            const exr_attr_chlist_entry_t* e = chans->entries + c;
            if (c) json_lit (&j, ",");
            json_lit (&j, "{\"name\":");
            json_str_n (&j, e->name.str, e->name.length);
            json_lit (&j, ",\"pixelType\":");
            json_str (&j, pixel_type_name (e->pixel_type));
            json_fmt (&j, ",\"xSampling\":%d,\"ySampling\":%d}", e->x_sampling, e->y_sampling);
        }
        json_lit (&j, "],\"attributes\":{");
        /* The type of every attribute, the channel list included, for the info view. */
        json_t  types  = {0};
        int32_t nattr = 0, shown = 0, typed = 0;
        if (exr_get_attribute_count (f->ctxt, p, &nattr) != EXR_ERR_SUCCESS) nattr = 0;
        for (int32_t a = 0; a < nattr; ++a)
        {
            const exr_attribute_t* attr = NULL;
            if (exr_get_attribute_by_index (f->ctxt, p, EXR_ATTR_LIST_FILE_ORDER, a, &attr) !=
                    EXR_ERR_SUCCESS ||
                !attr || !attr->name)
                continue;
            if (typed++) json_lit (&types, ",");
            json_str (&types, attr->name);
            json_lit (&types, ":");
            json_str (&types, attr->type_name ? attr->type_name : "");
            json_t val = {0};
            if (json_attr_value (&val, attr) && !val.oom)
            {
                if (shown++) json_lit (&j, ",");
                json_str (&j, attr->name);
                json_lit (&j, ":");
                json_raw (&j, val.buf, val.len);
            }
            else if (val.oom)
                j.oom = 1;
            free (val.buf);
        }
        json_lit (&j, "},\"attributeTypes\":{");
        if (types.oom) j.oom = 1;
        else if (types.len) json_raw (&j, types.buf, types.len);
        free (types.buf);
        json_lit (&j, "}}");
    }
    json_lit (&j, "]}");
    if (j.oom)
    {
        free (j.buf);
        set_error (f, "out of memory while describing the header");
        return EXR_ERR_OUT_OF_MEMORY;
    }
    free (f->header_json);
    f->header_json = j.buf;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Exported API
 */

/** Opens an EXR held in `data` (malloc'd by the caller; ownership passes to the handle, even on
 * failure). Returns a handle, or NULL only when the handle itself cannot be allocated; check
 * exrw_error() for a parse failure. */
void exrw_quiet_openjph (void); /* ojph_quiet.cpp */

EXRW_EXPORT exrw_file* exrw_open (uint8_t* data, uint32_t size)
{
    static int quiet = 0;
    if (!quiet)
    {
        exrw_quiet_openjph ();
        quiet = 1;
    }
    exrw_file* f = (exrw_file*) calloc (1, sizeof (exrw_file));
    if (!f)
    {
        free (data);
        return NULL;
    }
    f->data = data;
    f->size = size;

    exr_context_initializer_t init = EXR_DEFAULT_CONTEXT_INITIALIZER;
    init.error_handler_fn          = on_core_error;
    init.user_data                 = f;
    init.read_fn                   = read_memory;
    init.size_fn                   = query_size;
    init.max_image_width           = EXRW_MAX_DIMENSION;
    init.max_image_height          = EXRW_MAX_DIMENSION;
    init.max_tile_width            = EXRW_MAX_DIMENSION;
    init.max_tile_height           = EXRW_MAX_DIMENSION;

    if (size < 8)
    {
        set_error (f, "not an OpenEXR file: only %u bytes", size);
        return f;
    }
    if (!(data[0] == 0x76 && data[1] == 0x2f && data[2] == 0x31 && data[3] == 0x01))
    {
        set_error (f, "not an OpenEXR file: bad magic number");
        return f;
    }
    exr_result_t rv = exr_start_read (&f->ctxt, "memory", &init);
    if (rv != EXR_ERR_SUCCESS)
    {
        fail_core (f, rv, "reading the header");
        exr_finish (&f->ctxt);
        f->ctxt = NULL;
        return f;
    }
    if (build_header_json (f))
    {
        exr_finish (&f->ctxt);
        f->ctxt = NULL;
    }
    return f;
}

/** The last error as text, or an empty string. */
EXRW_EXPORT const char* exrw_error (exrw_file* f) { return f ? f->error : "out of memory"; }

/** JSON describing every part (see types.ts ExrHeader); NULL after a failed open. */
EXRW_EXPORT const char* exrw_header_json (exrw_file* f)
{
    return f && f->ctxt ? f->header_json : NULL;
}

static void release_output (exrw_file* f)
{
    free (f->out);
    free (f->out_offsets);
    f->out          = NULL;
    f->out_offsets  = NULL;
    f->out_size     = 0;
    f->out_channels = 0;
}

EXRW_EXPORT void exrw_release_output (exrw_file* f)
{
    if (f) release_output (f);
}

EXRW_EXPORT void exrw_close (exrw_file* f)
{
    if (!f) return;
    release_output (f);
    if (f->ctxt) exr_finish (&f->ctxt);
    free (f->header_json);
    free ((void*) f->data);
    free (f);
}

EXRW_EXPORT uint8_t* exrw_output (exrw_file* f) { return f ? f->out : NULL; }
EXRW_EXPORT double exrw_output_size (exrw_file* f) { return f ? (double) f->out_size : 0; }
EXRW_EXPORT uint32_t exrw_plane_offset (exrw_file* f, int c)
{
    return f && c >= 0 && c < f->out_channels ? f->out_offsets[c] : 0;
}
EXRW_EXPORT int exrw_band_row_begin (exrw_file* f) { return f ? f->band_row_begin : 0; }
EXRW_EXPORT int exrw_band_row_end (exrw_file* f) { return f ? f->band_row_end : 0; }

/* Per-channel decode state for one band. */
typedef struct
{
    int      bpe;        /* bytes per element: 2 (half) or 4 */
    int      xs, ys;     /* sampling */
    uint8_t* plane;      /* full-resolution band plane (inside f->out) */
    uint8_t* compact;    /* subsampled channels: the sampled pixels of the band */
    int64_t  cw;         /* compact width (sampled columns) */
    int64_t  crow0;      /* first sampled row index (in sample units) of the band */
    int64_t  crows;      /* sampled rows in the band */
} chan_state;

static int64_t floor_div (int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

/* The whole file is already in memory, so a compressed chunk is decompressed from where it lies
 * instead of being copied into a packed buffer first (OpenEXRCore's reader would memcpy every
 * chunk: 5-7 % of a 4K ZIP/PIZ/B44 decode). The decompressors take the packed data as const.
 * Chunks lie at any byte offset, so only codecs that read their packed data bytewise or through
 * memcpy qualify (reads_packed_bytewise); DWA, for one, casts it to uint16_t and uint64_t, which
 * needs OpenEXRCore's aligned copy (UBSan in bench/build_native.sh asan found it).
 * Anything unusual (a chunk reaching past the end of the file, a buffer the pipeline already
 * owns) goes to OpenEXRCore's reader, which reports or pads it exactly as before. */
static int reads_packed_bytewise (uint8_t compression)
{
    switch (compression)
    {
        case EXR_COMPRESSION_RLE:
        case EXR_COMPRESSION_ZIPS:
        case EXR_COMPRESSION_ZIP:
        case EXR_COMPRESSION_PIZ:
        case EXR_COMPRESSION_PXR24:
        case EXR_COMPRESSION_B44:
        case EXR_COMPRESSION_B44A: return 1;
        default: return 0;
    }
}

static exr_result_t read_in_place (exr_decode_pipeline_t* dec)
{
    exrw_file*              f = (exrw_file*) dec->decoding_user_data;
    const exr_chunk_info_t* c = &dec->chunk;
    uint64_t                end = c->data_offset + c->packed_size;
    if (c->packed_size == 0 || dec->packed_alloc_size != 0 || end < c->data_offset || end > f->size)
        return f->copying_read (dec);
    if (dec->unpacked_buffer == dec->packed_buffer && dec->unpacked_alloc_size == 0)
        dec->unpacked_buffer = NULL;
    dec->packed_buffer = (void*) (f->data + c->data_offset);
    return EXR_ERR_SUCCESS;
}

/* Decodes one chunk into the band planes. */
static int decode_chunk (
    exrw_file*              f,
    int                     part,
    const exr_chunk_info_t* cinfo,
    exr_decode_pipeline_t*  dec,
    int*                    dec_ready,
    chan_state*             cs,
    int                     nch,
    exr_attr_box2i_t        dw,
    int64_t                 width,
    int                     row0,
    int                     row1,
    int                     tiled,
    int                     tile_w,
    int                     tile_h)
{
    exr_result_t rv;
    if (!*dec_ready)
    {
        rv = exr_decoding_initialize (f->ctxt, part, cinfo, dec);
        if (rv != EXR_ERR_SUCCESS) return fail_core (f, rv, "preparing to decode");
        *dec_ready = 1;
    }
    else
    {
        rv = exr_decoding_update (f->ctxt, part, cinfo, dec);
        if (rv != EXR_ERR_SUCCESS) return fail_core (f, rv, "preparing to decode");
    }
    if (dec->channel_count != nch)
    {
        set_error (f, "corrupt chunk: %d channels decoded, header declares %d", dec->channel_count, nch);
        return EXR_ERR_CORRUPT_CHUNK;
    }

    /* Chunk origin relative to the data window, in pixels. */
    int64_t cx = tiled ? (int64_t) cinfo->start_x * tile_w : 0;
    int64_t cy = tiled ? (int64_t) cinfo->start_y * tile_h : (int64_t) cinfo->start_y - dw.min.y;
    if (cy < row0 || cy + cinfo->height > row1 || cx < 0 || cx + cinfo->width > width)
    {
        set_error (f, "corrupt chunk table: chunk %d lies outside its band", cinfo->idx);
        return EXR_ERR_CORRUPT_CHUNK;
    }

    for (int c = 0; c < nch; ++c)
    {
        exr_coding_channel_info_t* ch = dec->channels + c;
        chan_state*                s  = cs + c;
        if (ch->bytes_per_element != s->bpe || ch->x_samples != s->xs || ch->y_samples != s->ys)
        {
            set_error (f, "corrupt chunk: channel layout differs from the header");
            return EXR_ERR_CORRUPT_CHUNK;
        }
        ch->user_bytes_per_element = (int16_t) s->bpe;
        ch->user_data_type         = ch->data_type;
        ch->user_pixel_stride      = s->bpe;
        if (s->compact)
        {
            /* First sampled row of this chunk, in sample units relative to the data window. */
            int64_t first = floor_div (cy + s->ys - 1, s->ys);
            int64_t r     = first - s->crow0;
            if (ch->height > 0 && (r < 0 || r + ch->height > s->crows || ch->width > s->cw))
            {
                set_error (f, "corrupt chunk: subsampled rows outside the band");
                return EXR_ERR_CORRUPT_CHUNK;
            }
            /* OpenEXRCore writes the sampled row at absolute y to decode_to_ptr +
             * (y / ys - start_y / ys) lines, with C's truncating division, so the pointer must
             * name row trunc(start_y / ys), which precedes the first sampled row when the
             * chunk does not start on one. */
            int64_t start_abs = (int64_t) dw.min.y + cy;
            int64_t base      = start_abs / s->ys - dw.min.y / s->ys - s->crow0;
            if (base < r - 1 || base > r)
            {
                set_error (f, "corrupt chunk: subsampled rows outside the band");
                return EXR_ERR_CORRUPT_CHUNK;
            }
            ch->user_line_stride = (int32_t) (s->cw * s->bpe);
            ch->decode_to_ptr =
                (uint8_t*) ((uintptr_t) s->compact + (intptr_t) (base * s->cw * s->bpe));
        }
        else
        {
            ch->user_line_stride = (int32_t) (width * s->bpe);
            ch->decode_to_ptr =
                s->plane + ((cy - row0) * width + cx) * (int64_t) s->bpe;
        }
    }
    rv = exr_decoding_choose_default_routines (f->ctxt, part, dec);
    if (rv != EXR_ERR_SUCCESS) return fail_core (f, rv, "choosing a decoder");
    /* Uncompressed chunks keep OpenEXRCore's reader: it reads straight into the planes, or
     * zero-pads a short last chunk. */
    if (reads_packed_bytewise (cinfo->compression) && dec->read_fn && dec->read_fn != read_in_place)
    {
        f->copying_read         = dec->read_fn;
        dec->read_fn            = read_in_place;
        dec->decoding_user_data = f;
    }
    rv = exr_decoding_run (f->ctxt, part, dec);
    if (rv != EXR_ERR_SUCCESS)
    {
        char what[96];
        snprintf (what, sizeof (what), "decoding chunk %d (rows from %d)", cinfo->idx, (int) (dw.min.y + cy));
        return fail_core (f, rv, what);
    }
    return 0;
}

/* Nearest-neighbour expansion of a subsampled channel to the band plane. The data window origin
 * is a multiple of the sampling (the core validates this), so sample (i, j) covers pixels
 * [i*xs, (i+1)*xs) x [j*ys, (j+1)*ys) relative to the data window. */
static void expand_subsampled (const chan_state* s, int64_t width, int row0, int row1)
{
    for (int64_t y = row0; y < row1; ++y)
    {
        int64_t r = y / s->ys - s->crow0;
        if (r < 0) r = 0;
        if (r >= s->crows) r = s->crows - 1;
        uint8_t*       dst = s->plane + (y - row0) * width * s->bpe;
        if (s->crows <= 0 || s->cw <= 0)
        {
            memset (dst, 0, (size_t) (width * s->bpe));
            continue;
        }
        const uint8_t* src = s->compact + r * s->cw * s->bpe;
        for (int64_t x = 0; x < width; ++x)
        {
            int64_t i = x / s->xs;
            if (i >= s->cw) i = s->cw - 1;
            memcpy (dst + x * s->bpe, src + i * s->bpe, (size_t) s->bpe);
        }
    }
}

/** Decodes rows [row_begin, row_end) (relative to the data window, clamped to it) of one part
 * into planes: one per channel, full data-window width, half as 16-bit, float and uint as
 * 32-bit. The caller aligns bands to chunk boundaries (linesPerChunk); a band that is not aligned
 * is widened to whole chunks. max_output_bytes caps the output (<= 0: the default cap).
 * Returns 0 on success; read the planes with exrw_output()/exrw_plane_offset(). */
EXRW_EXPORT int exrw_decode (exrw_file* f, int part, int row_begin, int row_end, double max_output_bytes)
{
    if (!f) return EXR_ERR_OUT_OF_MEMORY;
    f->error[0] = '\0';
    release_output (f);
    if (!f->ctxt)
    {
        if (!f->error[0]) set_error (f, "the file could not be opened");
        return EXR_ERR_FILE_BAD_HEADER;
    }

    int          nparts = 0;
    exr_result_t rv     = exr_get_count (f->ctxt, &nparts);
    if (rv != EXR_ERR_SUCCESS) return fail_core (f, rv, "counting parts");
    if (part < 0 || part >= nparts)
    {
        set_error (f, "part %d does not exist (the file has %d)", part, nparts);
        return EXR_ERR_ARGUMENT_OUT_OF_RANGE;
    }

    exr_storage_t            storage;
    exr_attr_box2i_t         dw;
    const exr_attr_chlist_t* chans = NULL;
    if ((rv = exr_get_storage (f->ctxt, part, &storage)) ||
        (rv = exr_get_data_window (f->ctxt, part, &dw)) ||
        (rv = exr_get_channels (f->ctxt, part, &chans)))
        return fail_core (f, rv, "reading part header");
    if (storage == EXR_STORAGE_DEEP_SCANLINE || storage == EXR_STORAGE_DEEP_TILED)
    {
        set_error (f, "part %d stores deep %s data: exr_deep.c decodes it", part,
                   storage == EXR_STORAGE_DEEP_TILED ? "tiled" : "scanline");
        return EXR_ERR_FEATURE_NOT_IMPLEMENTED;
    }
    if (storage != EXR_STORAGE_SCANLINE && storage != EXR_STORAGE_TILED)
    {
        set_error (f, "part %d has an unknown storage type", part);
        return EXR_ERR_FEATURE_NOT_IMPLEMENTED;
    }

    int64_t width  = (int64_t) dw.max.x - dw.min.x + 1;
    int64_t height = (int64_t) dw.max.y - dw.min.y + 1;
    int     nch    = chans ? chans->num_channels : 0;
    if (width <= 0 || height <= 0 || width > EXRW_MAX_DIMENSION || height > EXRW_MAX_DIMENSION)
    {
        set_error (f, "data window of %lld x %lld pixels is out of range", (long long) width, (long long) height);
        return EXR_ERR_INVALID_ATTR;
    }
    if (nch <= 0 || nch > EXRW_MAX_CHANNELS)
    {
        set_error (f, "part %d has %d channels (at most %d are supported)", part, nch, EXRW_MAX_CHANNELS);
        return EXR_ERR_INVALID_ATTR;
    }

    int tiled = storage == EXR_STORAGE_TILED;
    int lpc   = 0;
    if (lines_per_chunk (f, part, storage, &lpc)) return -1;
    if (lpc <= 0)
    {
        set_error (f, "invalid chunk height %d", lpc);
        return EXR_ERR_INVALID_ATTR;
    }
    int tile_w = 0;
    if (tiled)
    {
        int32_t tw = 0, th = 0;
        if ((rv = exr_get_tile_sizes (f->ctxt, part, 0, 0, &tw, &th)))
            return fail_core (f, rv, "reading tile size");
        tile_w = tw;
        if (tile_w <= 0)
        {
            set_error (f, "invalid tile width %d", tile_w);
            return EXR_ERR_INVALID_ATTR;
        }
    }

    /* Band: clamp, then widen to whole chunks. */
    int64_t r0 = row_begin < 0 ? 0 : row_begin;
    int64_t r1 = row_end > height || row_end <= 0 ? height : row_end;
    if (r0 > height) r0 = height;
    r0 = (r0 / lpc) * lpc;
    if (r1 < r0) r1 = r0;
    if (r1 % lpc && r1 < height) r1 = ((r1 + lpc - 1) / lpc) * lpc;
    if (r1 > height) r1 = height;
    int64_t rows = r1 - r0;

    /* Output layout and the size cap, in 64-bit arithmetic. */
    double cap = max_output_bytes > 0 ? max_output_bytes : EXRW_DEFAULT_MAX_OUTPUT;
    if (cap > EXRW_HARD_MAX_OUTPUT) cap = EXRW_HARD_MAX_OUTPUT;
    uint64_t total = 0, scratch = 0;
    f->out_offsets = (uint32_t*) calloc ((size_t) nch, sizeof (uint32_t));
    chan_state* cs = (chan_state*) calloc ((size_t) nch, sizeof (chan_state));
    if (!f->out_offsets || !cs)
    {
        free (cs);
        release_output (f);
        set_error (f, "out of memory");
        return EXR_ERR_OUT_OF_MEMORY;
    }
    for (int c = 0; c < nch; ++c)
    {
        const exr_attr_chlist_entry_t* e = chans->entries + c;
        chan_state*                    s = cs + c;
        s->bpe = e->pixel_type == EXR_PIXEL_HALF ? 2 : 4;
        s->xs  = e->x_sampling;
        s->ys  = e->y_sampling;
        if (s->xs < 1 || s->ys < 1)
        {
            free (cs);
            release_output (f);
            set_error (f, "channel %d has invalid sampling %d x %d", c, s->xs, s->ys);
            return EXR_ERR_INVALID_ATTR;
        }
        total = (total + EXRW_PLANE_ALIGN - 1) / EXRW_PLANE_ALIGN * EXRW_PLANE_ALIGN;
        f->out_offsets[c] = (uint32_t) (total > UINT32_MAX ? 0 : total);
        total += (uint64_t) width * (uint64_t) rows * (uint64_t) s->bpe;
        if (s->xs > 1 || s->ys > 1)
        {
            s->cw    = (width + s->xs - 1) / s->xs;
            s->crow0 = (r0 + s->ys - 1) / s->ys;
            s->crows = (r1 + s->ys - 1) / s->ys - s->crow0;
            if (s->crows < 0) s->crows = 0;
            scratch += (uint64_t) s->cw * (uint64_t) s->crows * (uint64_t) s->bpe;
        }
        if ((double) total > cap || (double) (total + scratch) > EXRW_HARD_MAX_OUTPUT)
        {
            free (cs);
            release_output (f);
            set_error (
                f,
                "image too large: decoding %lld x %lld pixels x %d channels needs more than the %.0f MiB limit",
                (long long) width,
                (long long) rows,
                nch,
                cap / (1024.0 * 1024.0));
            return EXR_ERR_OUT_OF_MEMORY;
        }
    }
    f->out = (uint8_t*) malloc ((size_t) (total ? total : 1));
    if (!f->out)
    {
        free (cs);
        release_output (f);
        set_error (f, "out of memory: cannot allocate %.0f MiB for the decoded image", (double) total / (1024.0 * 1024.0));
        return EXR_ERR_OUT_OF_MEMORY;
    }
    f->out_size     = total;
    f->out_channels = nch;
    f->band_row_begin = (int) r0;
    f->band_row_end   = (int) r1;
    for (int c = 0; c < nch; ++c)
    {
        cs[c].plane = f->out + f->out_offsets[c];
        if (cs[c].xs > 1 || cs[c].ys > 1)
        {
            size_t n      = (size_t) (cs[c].cw * cs[c].crows * cs[c].bpe);
            cs[c].compact = (uint8_t*) calloc (n ? n : 1, 1);
            if (!cs[c].compact)
            {
                for (int k = 0; k < c; ++k) free (cs[k].compact);
                free (cs);
                release_output (f);
                set_error (f, "out of memory");
                return EXR_ERR_OUT_OF_MEMORY;
            }
        }
    }
    /* No memset: every chunk of the band is decoded or the whole call fails and the output is
     * released, so uninitialised memory never reaches the caller. */

    exr_decode_pipeline_t dec       = EXR_DECODE_PIPELINE_INITIALIZER;
    int                   dec_ready = 0;
    int                   status    = 0;
    exr_chunk_info_t      cinfo;

    if (tiled)
    {
        int32_t ntx = 0, nty = 0;
        if ((rv = exr_get_tile_counts (f->ctxt, part, 0, 0, &ntx, &nty)))
            status = fail_core (f, rv, "reading tile counts");
        int tile_h = lpc;
        for (int64_t ty = r0 / tile_h; !status && ty < nty && ty * tile_h < r1; ++ty)
        {
            for (int32_t tx = 0; !status && tx < ntx; ++tx)
            {
                rv = exr_read_tile_chunk_info (f->ctxt, part, tx, (int) ty, 0, 0, &cinfo);
                if (rv != EXR_ERR_SUCCESS)
                {
                    status = fail_core (f, rv, "reading the tile table");
                    break;
                }
                status = decode_chunk (
                    f, part, &cinfo, &dec, &dec_ready, cs, nch, dw, width, (int) r0, (int) r1, 1, tile_w, tile_h);
            }
        }
    }
    else
    {
        for (int64_t y = r0; !status && y < r1; y += lpc)
        {
            rv = exr_read_scanline_chunk_info (f->ctxt, part, (int) (dw.min.y + y), &cinfo);
            if (rv != EXR_ERR_SUCCESS)
            {
                status = fail_core (f, rv, "reading the chunk table");
                break;
            }
            status = decode_chunk (
                f, part, &cinfo, &dec, &dec_ready, cs, nch, dw, width, (int) r0, (int) r1, 0, 0, 0);
        }
    }
    if (dec_ready) exr_decoding_destroy (f->ctxt, &dec);

    for (int c = 0; c < nch; ++c)
    {
        if (!status && cs[c].compact) expand_subsampled (cs + c, width, (int) r0, (int) r1);
        free (cs[c].compact);
    }
    free (cs);
    if (status)
    {
        release_output (f);
        if (!f->error[0]) set_error (f, "decoding failed");
    }
    return status;
}

/* Small accessors for native callers (bench/native_decode.c); JS reads the header JSON. */
EXRW_EXPORT int exrw_part_count (exrw_file* f)
{
    int n = 0;
    if (!f || !f->ctxt || exr_get_count (f->ctxt, &n) != EXR_ERR_SUCCESS) return 0;
    return n;
}

EXRW_EXPORT int exrw_part_height (exrw_file* f, int part)
{
    exr_attr_box2i_t dw;
    if (!f || !f->ctxt || exr_get_data_window (f->ctxt, part, &dw) != EXR_ERR_SUCCESS) return 0;
    return dw.max.y - dw.min.y + 1;
}

EXRW_EXPORT int exrw_part_lines_per_chunk (exrw_file* f, int part)
{
    exr_storage_t storage;
    int           lpc = 0;
    if (!f || !f->ctxt || exr_get_storage (f->ctxt, part, &storage) != EXR_ERR_SUCCESS) return 0;
    if (lines_per_chunk (f, part, storage, &lpc)) return 0;
    return lpc;
}

/* ---------------------------------------------------------------------------------------------
 * What exr_deep.c uses of an open file (declared in exr_shim.h)
 */
exr_context_t exrw_core_context (exrw_file* f) { return f ? f->ctxt : NULL; }

void exrw_clear_error (exrw_file* f)
{
    if (f) f->error[0] = '\0';
}

void exrw_set_error (exrw_file* f, const char* fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (f->error, sizeof (f->error), fmt, ap);
    va_end (ap);
}

int exrw_fail_core (exrw_file* f, exr_result_t rv, const char* what) { return fail_core (f, rv, what); }
