/*
 * CPlexus is the module map that exposes include/ to Swift; SwiftPM needs one C source in it.
 * Compiling the public headers here as plain C11 checks they stand alone without Swift. The
 * plugin ABI's field offsets are pinned by Tests/CTests/test_abi_layout.c.
 */
#include "../../include/plexus/plexus.h"
#include "../../include/plexus/plexus_plugin.h"
