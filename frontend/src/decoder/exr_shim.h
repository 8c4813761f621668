/*
 * What the shim's other C files (exr_deep.c) use of an open file from exr_shim.c: its
 * OpenEXRCore context and its error text, which JavaScript reads with exrw_error().
 */
#ifndef EXR_SHIM_H
#define EXR_SHIM_H

#include "openexr.h"

typedef struct exrw_file exrw_file;

/** The file's OpenEXRCore context; NULL when the header did not parse. */
exr_context_t exrw_core_context (exrw_file* f);
void          exrw_clear_error (exrw_file* f);
/** The file's error text ("" when there is none). */
const char* exrw_error (exrw_file* f);
/** Replaces the file's error text. */
void exrw_set_error (exrw_file* f, const char* fmt, ...) __attribute__ ((format (printf, 2, 3)));
/** Keeps OpenEXRCore's own message if it reported one, else describes `rv`; returns a non-zero code. */
int exrw_fail_core (exrw_file* f, exr_result_t rv, const char* what);

#endif
