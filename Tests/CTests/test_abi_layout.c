/*
 * test_abi_layout.c - the frozen layout of the plugin ABI as a plugin compiler sees it: every
 * plx_host_api field in order (the header, then function pointer i at 16 + i*sizeof(void *)),
 * the registrar's leading fields, and plx_abi_version() == PLX_ABI_VERSION. The offsets are
 * checked both at compile time (_Static_assert) and at run time (counted checks).
 */
#include "check.h"

#include <stddef.h>
#include <plexus/plexus_plugin.h>

#define SLOT(i) (16 + (i) * sizeof(void *))

/* Every function pointer of plx_host_api (ABI 1.2), in declaration order. */
#define HOST_FIELDS(X)                                                                          \
    X(set_error, 0) X(tensor_create, 1) X(tensor_retain, 2) X(tensor_release, 3)                \
    X(tensor_dtype, 4) X(tensor_rank, 5) X(tensor_shape, 6) X(tensor_numel, 7)                  \
    X(tensor_data, 8) X(attrs_create, 9) X(attrs_release, 10) X(attrs_set_int, 11)              \
    X(attrs_set_float, 12) X(attrs_set_ints, 13) X(attrs_set_floats, 14)                        \
    X(attrs_set_string, 15) X(attrs_set_strings, 16) X(attrs_set_tensor, 17)                    \
    X(attrs_get_int, 18) X(attrs_get_float, 19) X(attrs_get_ints, 20) X(attrs_get_floats, 21)   \
    X(attrs_get_string, 22) X(attrs_get_strings, 23) X(attrs_get_tensor, 24) X(op_call, 25)     \
    X(kernel_output_count, 26) X(kernel_output, 27) X(kernel_output_alias, 28)                  \
    X(num_threads, 29) X(parallel_for, 30) X(infer_input_count, 31) X(infer_input, 32)          \
    X(infer_input_value, 33) X(infer_output_count, 34) X(infer_set_output, 35)                 \
    X(gradient_needed, 36) X(gradient_set, 37) X(layer_add_parameter, 38) X(layer_add_buffer, 39) \
    X(layer_tensor, 40) X(layer_training, 41) X(layer_next_seed, 42) X(kernel_set_output, 43)  \
    X(last_error, 44) X(max_allocation_bytes, 45) X(attrs_copy, 46) X(graph_node_count, 47)     \
    X(graph_node, 48) X(graph_node_input, 49) X(graph_node_output, 50) X(graph_node_attrs, 51) \
    X(graph_producer, 52) X(graph_reader_count, 53) X(graph_reader, 54) X(graph_is_output, 55) \
    X(graph_constant, 56) X(graph_replace_node, 57) X(graph_add_node, 58)                      \
    X(graph_remove_node, 59) X(graph_add_constant, 60)

#define HOST_FIELD_COUNT 61

/* Compile time. */
#define STATIC_PIN(field, i) \
    _Static_assert(offsetof(plx_host_api, field) == SLOT(i), "plx_host_api." #field " moved");
HOST_FIELDS(STATIC_PIN)
_Static_assert(offsetof(plx_host_api, abi_major) == 0, "abi_major moved");
_Static_assert(offsetof(plx_host_api, abi_minor) == 4, "abi_minor moved");
_Static_assert(offsetof(plx_host_api, struct_size) == 8, "struct_size moved");
_Static_assert(sizeof(plx_host_api) == SLOT(HOST_FIELD_COUNT), "plx_host_api 1.2 size changed");
_Static_assert(offsetof(plx_plugin_registrar, abi_major) == 0, "registrar abi_major moved");
_Static_assert(offsetof(plx_plugin_registrar, abi_minor) == 4, "registrar abi_minor moved");
_Static_assert(offsetof(plx_plugin_registrar, struct_size) == 8, "registrar struct_size moved");
_Static_assert(offsetof(plx_plugin_registrar, set_info) == SLOT(0), "registrar set_info moved");
_Static_assert(offsetof(plx_plugin_registrar, register_op) == SLOT(1), "register_op moved");
_Static_assert(offsetof(plx_plugin_registrar, register_kernel) == SLOT(2), "register_kernel moved");
_Static_assert(offsetof(plx_plugin_registrar, host_state) == SLOT(3), "host_state moved");
_Static_assert(offsetof(plx_plugin_registrar, register_gradient) == SLOT(4), "register_gradient moved");
_Static_assert(offsetof(plx_plugin_registrar, register_layer) == SLOT(5), "register_layer moved");
_Static_assert(offsetof(plx_plugin_registrar, register_decomposition) == SLOT(6), "register_decomposition moved");
_Static_assert(offsetof(plx_plugin_registrar, register_rewrite) == SLOT(7), "register_rewrite moved");
/* Definition structs grew by appending: their ABI 1.1 fields keep their places. */
_Static_assert(offsetof(plx_kernel_def, inplace_inputs) == offsetof(plx_kernel_def, user) + sizeof(void *),
               "plx_kernel_def.inplace_inputs must follow the 1.1 fields");
_Static_assert(offsetof(plx_plugin_info, required_plugins) == offsetof(plx_plugin_info, description) + sizeof(void *),
               "plx_plugin_info.required_plugins must follow the 1.1 fields");

/* Run time: the same facts as counted checks, so the summary shows them. */
#define DYNAMIC_PIN(field, i) CHECK_EQ(offsetof(plx_host_api, field), SLOT(i));

int main(void) {
    CHECK_EQ(offsetof(plx_host_api, abi_major), 0);
    CHECK_EQ(offsetof(plx_host_api, abi_minor), 4);
    CHECK_EQ(offsetof(plx_host_api, struct_size), 8);
    HOST_FIELDS(DYNAMIC_PIN)
    CHECK_EQ(sizeof(plx_host_api), SLOT(HOST_FIELD_COUNT));

    CHECK_EQ(offsetof(plx_plugin_registrar, abi_major), 0);
    CHECK_EQ(offsetof(plx_plugin_registrar, abi_minor), 4);
    CHECK_EQ(offsetof(plx_plugin_registrar, struct_size), 8);
    CHECK_EQ(offsetof(plx_plugin_registrar, set_info), SLOT(0));
    CHECK_EQ(offsetof(plx_plugin_registrar, register_op), SLOT(1));
    CHECK_EQ(offsetof(plx_plugin_registrar, register_kernel), SLOT(2));
    CHECK_EQ(offsetof(plx_plugin_registrar, host_state), SLOT(3));
    CHECK_EQ(offsetof(plx_plugin_registrar, register_gradient), SLOT(4));
    CHECK_EQ(offsetof(plx_plugin_registrar, register_layer), SLOT(5));
    CHECK_EQ(offsetof(plx_plugin_registrar, register_decomposition), SLOT(6));
    CHECK_EQ(offsetof(plx_plugin_registrar, register_rewrite), SLOT(7));

    CHECK_EQ(offsetof(plx_plugin_info, abi_major), 0);
    CHECK_EQ(offsetof(plx_plugin_info, abi_minor), 4);
    CHECK_EQ(offsetof(plx_plugin_info, struct_size), 8);

    CHECK_EQ(plx_abi_version(), PLX_ABI_VERSION);
    return check_finish();
}
