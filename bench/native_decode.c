/* Native single/multi-thread decode timing with the same shim the browser uses (see
 * build_native.sh); deep parts are decoded and flattened by exr_deep.c.
 * Usage: exr_native [-t THREADS] [-r REPEATS] [-c 1] FILE...
 * Prints one line per file: "<file> <threads> <median ms> <min ms>", or "ERROR <message>".
 * -c 1 times CPU time of the process instead of wall time (steadier on a shared machine).
 * Threads decode row bands like the worker pool: each has its own copy of the file. */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct exrw_file exrw_file;
exrw_file*  exrw_open (uint8_t* data, uint32_t size);
const char* exrw_header_json (exrw_file* f);
const char* exrw_error (exrw_file* f);
int         exrw_decode (exrw_file* f, int part, int r0, int r1, double cap);
void        exrw_close (exrw_file* f);
int         exrw_part_count (exrw_file* f);
int         exrw_part_height (exrw_file* f, int part);
int         exrw_part_lines_per_chunk (exrw_file* f, int part);
/* exr_deep.c */
typedef struct exrw_deep exrw_deep;
int        exrw_part_is_deep (exrw_file* f, int part);
exrw_deep* exrw_deep_open (exrw_file* f, int part);
int        exrw_deep_read (exrw_deep* d, double max_bytes);
void       exrw_deep_close (exrw_deep* d);
int        exrw_deep_flatten (exrw_deep* d, const int32_t* alpha_of, int z_channel, int zback_channel);
int        exrw_deep_channel_index (exrw_deep* d, const char* name);

/* Decodes and flattens deep part p, every channel composited with A (as OpenEXR's
 * composite_pixel does; the browser also gives R, G, B their AR, AG, AB when present). */
static int decode_deep (exrw_file* f, int p)
{
    exrw_deep* d = exrw_deep_open (f, p);
    int        failed = !d || exrw_deep_read (d, 1024.0 * 1024.0 * 1024.0);
    if (!failed)
    {
        int32_t alpha_of[1024];
        int     a = exrw_deep_channel_index (d, "A");
        for (int c = 0; c < 1024; ++c) alpha_of[c] = a;
        failed = exrw_deep_flatten (d, alpha_of, exrw_deep_channel_index (d, "Z"), exrw_deep_channel_index (d, "ZBack"));
    }
    exrw_deep_close (d);
    return failed;
}

typedef struct
{
    uint8_t* copy;
    size_t   size;
    int      index, count, failed;
} band_job;

static clockid_t clock_id = CLOCK_MONOTONIC;

static double now_ms (void)
{
    struct timespec ts;
    clock_gettime (clock_id, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void* decode_band (void* arg)
{
    band_job*  job = (band_job*) arg;
    exrw_file* f   = exrw_open (job->copy, (uint32_t) job->size);
    job->copy      = NULL; /* owned by f */
    if (!f || !exrw_header_json (f))
    {
        fprintf (stderr, "open: %s\n", f ? exrw_error (f) : "oom");
        job->failed = 1;
        exrw_close (f);
        return NULL;
    }
    for (int p = 0; p < exrw_part_count (f); ++p)
    {
        if (exrw_part_is_deep (f, p))
        {
            /* Deep parts are decoded and flattened whole by one thread (band 0), as by one
             * worker in the pool; the cap is the pool's default 1 GiB. */
            if (job->index == 0 && decode_deep (f, p))
            {
                fprintf (stderr, "decode: %s\n", exrw_error (f));
                job->failed = 1;
            }
            continue;
        }
        int h = exrw_part_height (f, p), lpc = exrw_part_lines_per_chunk (f, p);
        int units = (h + lpc - 1) / lpc;
        int r0 = (int) ((long long) job->index * units / job->count) * lpc;
        int r1 = (int) ((long long) (job->index + 1) * units / job->count) * lpc;
        if (r1 > h) r1 = h;
        if (r1 <= r0) continue;
        if (exrw_decode (f, p, r0, r1, 0))
        {
            fprintf (stderr, "decode: %s\n", exrw_error (f));
            job->failed = 1;
        }
    }
    exrw_close (f);
    return NULL;
}

static int cmp_double (const void* a, const void* b)
{
    double x = *(const double*) a, y = *(const double*) b;
    return x < y ? -1 : x > y;
}

int main (int argc, char** argv)
{
    int threads = 1, repeats = 5, i = 1;
#ifdef EXR_NATIVE_128BIT
    /* build_native.sh sse4: libdeflate (built with its test hook) skips what a CPU with SSE4.2
     * only would lack; read once, at its first use. */
    setenv (
        "LIBDEFLATE_DISABLE_CPU_FEATURES",
        "pclmulqdq,avx,avx2,bmi2,zmm,avx512bw,avx512vl,vpclmulqdq,avx512_vnni,avx_vnni",
        1);
#endif
    /* Keep freed memory in-process, as a wasm heap does, so repeated runs do not pay page
     * faults for fresh mmaps (which would make native look slower than it is). */
    mallopt (M_MMAP_MAX, 0);
    mallopt (M_TRIM_THRESHOLD, -1);
    for (; i < argc && argv[i][0] == '-'; i += 2)
    {
        if (i + 1 >= argc) return 2;
        if (!strcmp (argv[i], "-t")) threads = atoi (argv[i + 1]);
        else if (!strcmp (argv[i], "-r")) repeats = atoi (argv[i + 1]);
        else if (!strcmp (argv[i], "-c") && atoi (argv[i + 1])) clock_id = CLOCK_PROCESS_CPUTIME_ID;
    }
    if (threads < 1 || threads > 64 || repeats < 1 || repeats > 1000) return 2;
    for (; i < argc; ++i)
    {
        FILE* fp = fopen (argv[i], "rb");
        if (!fp) { printf ("%s ERROR cannot open\n", argv[i]); continue; }
        fseek (fp, 0, SEEK_END);
        size_t size = (size_t) ftell (fp);
        fseek (fp, 0, SEEK_SET);
        uint8_t* bytes = malloc (size);
        if (fread (bytes, 1, size, fp) != size) { fclose (fp); free (bytes); continue; }
        fclose (fp);
        double* times = calloc ((size_t) repeats, sizeof (double));
        int     failed = 0;
        for (int r = 0; r < repeats && !failed; ++r)
        {
            band_job  jobs[64];
            pthread_t tids[64];
            for (int t = 0; t < threads; ++t)
            {
                jobs[t] = (band_job){malloc (size), size, t, threads, 0};
                memcpy (jobs[t].copy, bytes, size);
            }
            double start = now_ms ();
            if (threads == 1) decode_band (&jobs[0]);
            else
            {
                for (int t = 0; t < threads; ++t) pthread_create (&tids[t], NULL, decode_band, &jobs[t]);
                for (int t = 0; t < threads; ++t) pthread_join (tids[t], NULL);
            }
            times[r] = now_ms () - start;
            for (int t = 0; t < threads; ++t) failed |= jobs[t].failed;
        }
        if (failed) printf ("%s ERROR decode failed\n", argv[i]);
        else
        {
            qsort (times, (size_t) repeats, sizeof (double), cmp_double);
            printf ("%s %d %.2f %.2f\n", argv[i], threads, times[repeats / 2], times[0]);
        }
        fflush (stdout);
        free (times);
        free (bytes);
    }
    return 0;
}
