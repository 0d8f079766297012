/*
 * rewrite_fails.c - "test-rewrite-fails" (ABI 1.2): a rewrite "always-fails" under
 * PLX_OPTIMIZE_FUSE_RESIDUALS that reports an error, so session creation must fail naming the
 * plugin and the rewrite. Its init also checks that the host refuses bad rewrite definitions
 * (a memory switch, two bits, an unknown phase, no function, a duplicate name).
 */
#include <plexus/plexus_plugin.h>

static const plx_host_api *host;

static plx_status always_fails(plx_graph *g, void *user) {
    (void)g, (void)user;
    host->set_error(PLX_ERR_INVALID_ARGUMENT, "deliberately failed");
    return PLX_ERR_INVALID_ARGUMENT;
}

plx_status plx_plugin_init(const plx_host_api *h, plx_plugin_registrar *reg) {
    host = h;
    plx_plugin_info info = {PLX_PLUGIN_ABI_MAJOR, PLX_PLUGIN_ABI_MINOR, sizeof(plx_plugin_info), PLX_PLUGIN_KIND_EXTENSION,
                            "test-rewrite-fails", "1.0.0", NULL, NULL, NULL, 0};
    plx_status s = reg->set_info(reg, &info);
    if (s != PLX_OK) return s;
    plx_rewrite_def bad[4] = {
        {sizeof(plx_rewrite_def), "memory", PLX_OPTIMIZE_IN_PLACE, PLX_REWRITE_PHASE_FUSE, always_fails, NULL},
        {sizeof(plx_rewrite_def), "two-bits", PLX_OPTIMIZE_FUSE_ACTIVATIONS | PLX_OPTIMIZE_FUSE_RESIDUALS, PLX_REWRITE_PHASE_FUSE,
         always_fails, NULL},
        {sizeof(plx_rewrite_def), "phase", 0, 7, always_fails, NULL},
        {sizeof(plx_rewrite_def), "no-function", 0, PLX_REWRITE_PHASE_FUSE, NULL, NULL},
    };
    for (int i = 0; i < 4; i++)
        if (reg->register_rewrite(reg, &bad[i]) != PLX_ERR_INVALID_ARGUMENT) {
            host->set_error(PLX_ERR_INTERNAL, "a bad rewrite definition was accepted");
            return PLX_ERR_INTERNAL;
        }
    plx_rewrite_def rewrite = {sizeof(plx_rewrite_def), "always-fails", PLX_OPTIMIZE_FUSE_RESIDUALS, PLX_REWRITE_PHASE_PACK,
                               always_fails, NULL};
    return reg->register_rewrite(reg, &rewrite);
}
