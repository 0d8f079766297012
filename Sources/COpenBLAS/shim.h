/* Debian's libopenblas-dev (pthread flavour): CBLAS plus openblas_set_num_threads. */
#include <cblas.h>
