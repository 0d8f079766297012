import CPlexusCPUKernels

/// Whether this CPU runs the AVX-512 C kernels the plugin links (`Plugins/cpu-kernels`: the
/// depthwise, max-pooling, unfolding, epilogue and packed-GEMM kernels), asked once. False under
/// `PLEXUS_CPU_PORTABLE=1` or `PLEXUS_CPU_ISA=avx2`, which tests use to run the other paths.
enum VectorKernels {
    static let available = plx_cpu_avx512_available() != 0
}
