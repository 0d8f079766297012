/*
 * Compile-time guards for the plugin ABI layout. The host table and the registrar are
 * append-only: a field that moves breaks every plugin built before the move, so the offsets of
 * the ABI 1.0 fields are pinned here and the build fails if one changes.
 */
#include <stddef.h>
#include "../../include/plexus/plexus_plugin.h"

#define PLX_PIN(type, field, index) \
    _Static_assert(offsetof(type, field) == 16 + (index) * sizeof(void *), #type "." #field " moved")

_Static_assert(offsetof(plx_host_api, abi_major) == 0, "abi_major moved");
_Static_assert(offsetof(plx_host_api, abi_minor) == 4, "abi_minor moved");
_Static_assert(offsetof(plx_host_api, struct_size) == 8, "struct_size moved");
PLX_PIN(plx_host_api, set_error, 0);
PLX_PIN(plx_host_api, tensor_create, 1);
PLX_PIN(plx_host_api, tensor_data, 8);
PLX_PIN(plx_host_api, attrs_create, 9);
PLX_PIN(plx_host_api, attrs_set_tensor, 17);
PLX_PIN(plx_host_api, attrs_get_int, 18);
PLX_PIN(plx_host_api, attrs_get_tensor, 24);
PLX_PIN(plx_host_api, op_call, 25);
PLX_PIN(plx_host_api, kernel_output_count, 26);
PLX_PIN(plx_host_api, kernel_output, 27);
PLX_PIN(plx_host_api, kernel_output_alias, 28);
PLX_PIN(plx_host_api, num_threads, 29);
PLX_PIN(plx_host_api, parallel_for, 30);
PLX_PIN(plx_host_api, infer_input_count, 31);
PLX_PIN(plx_host_api, infer_set_output, 35);
_Static_assert(sizeof(plx_host_api) == 16 + 36 * sizeof(void *), "plx_host_api 1.0 size changed");

PLX_PIN(plx_plugin_registrar, set_info, 0);
PLX_PIN(plx_plugin_registrar, register_op, 1);
PLX_PIN(plx_plugin_registrar, register_kernel, 2);
PLX_PIN(plx_plugin_registrar, host_state, 3);
