/* Resolves OpenBLAS at run time; see include/plexus_openblas.h. */
#define _GNU_SOURCE
#include "plexus_openblas.h"

#include <cblas.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static __typeof__(cblas_sgemm) *sgemm_fn;
static __typeof__(cblas_dgemm) *dgemm_fn;
static __typeof__(cblas_sgemv) *sgemv_fn;
static __typeof__(cblas_dgemv) *dgemv_fn;
static __typeof__(openblas_set_num_threads) *set_threads_fn;
static __typeof__(openblas_get_corename) *corename_fn;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512];

static int has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}

static void load_once(void) {
    int chose = 0;
    const char *preset = getenv("OPENBLAS_CORETYPE");
    if ((preset == NULL || preset[0] == '\0') && has_avx512()) {
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
        chose = 1;
    }
    /* OpenBLAS runs on one thread: the plugin splits large products across Plexus's own workers
     * (BLASThreads.swift). Its own pool would compete with them for the cores: idle, its
     * threads spin on sched_yield for about 2^28 cycles after each call. */
    const char *preset_threads = getenv("OPENBLAS_NUM_THREADS");
    char *user_threads = preset_threads ? strdup(preset_threads) : NULL;
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    void *library = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (chose) unsetenv("OPENBLAS_CORETYPE");
    if (user_threads) setenv("OPENBLAS_NUM_THREADS", user_threads, 1);
    else unsetenv("OPENBLAS_NUM_THREADS");
    free(user_threads);
    if (library == NULL) {
        snprintf(load_error, sizeof load_error, "cannot load libopenblas.so.0 (apt-get install libopenblas0): %s", dlerror());
        return;
    }
    sgemm_fn = (__typeof__(sgemm_fn))dlsym(library, "cblas_sgemm");
    dgemm_fn = (__typeof__(dgemm_fn))dlsym(library, "cblas_dgemm");
    sgemv_fn = (__typeof__(sgemv_fn))dlsym(library, "cblas_sgemv");
    dgemv_fn = (__typeof__(dgemv_fn))dlsym(library, "cblas_dgemv");
    set_threads_fn = (__typeof__(set_threads_fn))dlsym(library, "openblas_set_num_threads");
    corename_fn = (__typeof__(corename_fn))dlsym(library, "openblas_get_corename");
    if (!sgemm_fn || !dgemm_fn || !sgemv_fn || !dgemv_fn || !set_threads_fn || !corename_fn) {
        snprintf(load_error, sizeof load_error, "libopenblas.so.0 lacks a CBLAS or thread-control function");
        sgemm_fn = NULL;
        return;
    }
    set_threads_fn(1);  /* also when the process had loaded it already, with more threads */
}

int plx_openblas_load(char *error, size_t size) {
    pthread_once(&once, load_once);
    if (sgemm_fn != NULL) return 0;
    if (error != NULL && size > 0) snprintf(error, size, "%s", load_error);
    return -1;
}

const char *plx_openblas_core(void) { return corename_fn ? corename_fn() : "unknown"; }

int plx_openblas_lacks_avx512(void) {
    if (!has_avx512()) return 0;
    const char *core = plx_openblas_core();
    static const char *const avx512_cores[] = {"skylakex", "cooperlake", "sapphirerapids"};
    for (size_t i = 0; i < sizeof avx512_cores / sizeof *avx512_cores; i++)
        if (strcasecmp(core, avx512_cores[i]) == 0) return 0;
    return 1;
}

static enum CBLAS_TRANSPOSE transposition(int flag) { return flag ? CblasTrans : CblasNoTrans; }

void plx_openblas_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                        const float *b, int ldb, float beta, float *c, int ldc) {
    sgemm_fn(CblasRowMajor, transposition(trans_a), transposition(trans_b), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void plx_openblas_dgemm(int trans_a, int trans_b, int m, int n, int k, double alpha, const double *a, int lda,
                        const double *b, int ldb, double beta, double *c, int ldc) {
    dgemm_fn(CblasRowMajor, transposition(trans_a), transposition(trans_b), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void plx_openblas_sgemv(int trans, int rows, int columns, float alpha, const float *a, int lda, const float *x,
                        float beta, float *y) {
    sgemv_fn(CblasRowMajor, transposition(trans), rows, columns, alpha, a, lda, x, 1, beta, y, 1);
}

void plx_openblas_dgemv(int trans, int rows, int columns, double alpha, const double *a, int lda, const double *x,
                        double beta, double *y) {
    dgemv_fn(CblasRowMajor, transposition(trans), rows, columns, alpha, a, lda, x, 1, beta, y, 1);
}

