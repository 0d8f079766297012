import CPlexusCPUKernels
import PlexusPluginKit
import Synchronization

/// MatMul by a constant weight matrix packed once (onnxruntime's pre-packing of MatMul's B):
/// `ai.plexus` PackMatMulWeights rearranges W [K, N] into contiguous panels of 32 columns
/// (`plx_cpu_sgemm_pack_panels`), and `ai.plexus` PackedMatMul computes X [..., K] · W with
/// them through the packed GEMM kernel, packing X's rows per call (X is the activation, usually
/// far smaller than W). Unpacked, every call had OpenBLAS repack all of W (a BERT FFN weight is
/// 9 MB), and W's rows, often a power-of-two stride apart, fall into the same few L1 sets. Sessions
/// rewrite MatMul nodes with constant float32 2-D weights into these (MatMulPacking, under
/// `PLX_OPTIMIZE_PREPACK_WEIGHTS`); registered only where the AVX-512 kernel runs.
enum PackedMatMul: OperatorFamily {
    static var definitions: [OpDefinition] {
        guard plx_cpu_avx512_available() != 0 else { return [] }
        return [
            OpDefinition("PackMatMulWeights", domain: "ai.plexus", since: 1, inputs: 1...1,
                         doc: "W [K, N] as ceil(N / 32) contiguous panels [K, 32] (zero past column N), for PackedMatMul",
                         supports: DTypes.first([.float32]),
                         infer: { context in
                             let shape = context.input(0)?.shape
                             guard shape == nil || shape!.count == 2 else { throw PlexusError.invalid("PackMatMulWeights: W must be a matrix") }
                             try context.setOutput(0, .float32, [shape?[1].map { ($0 + panel - 1) / panel }, shape?[0], panel])
                         },
                         compute: pack),
            OpDefinition("PackedMatMul", domain: "ai.plexus", since: 1, inputs: 2...2,
                         attributes: [AttributeDeclaration("columns", .int)],
                         doc: "X [..., K] · W, W given as PackMatMulWeights panels of a [K, columns] matrix",
                         supports: DTypes.first([.float32]),
                         infer: { context in
                             let columns = try context.attributes.int("columns")
                             guard let x = context.input(0) else { throw PlexusError.invalid("PackedMatMul needs X") }
                             try context.setOutput(0, .float32, x.shape.map { Array($0.dropLast()) + [columns] })
                         },
                         compute: multiply),
        ]
    }

    static let panel = Int(PLX_CPU_SGEMM_PANEL_COLUMNS)

    static func pack(_ context: KernelContext) throws {
        let w = try context.input(0)
        guard w.dtype == .float32, w.rank == 2 else {
            throw PlexusError.invalid("PackMatMulWeights: W must be a float32 matrix, got \(w.dtype) \(w.shape)")
        }
        let (k, n) = (w.shape[0], w.shape[1])
        let y = try context.output(0, .float32, [(n + panel - 1) / panel, k, panel])
        plx_cpu_sgemm_pack_panels(w.pointer(as: Float.self), k, n, n, y.pointer(as: Float.self))
    }

    static func multiply(_ context: KernelContext) throws {
        let x = try context.input(0), panels = try context.input(1)
        guard let columns = try context.attributes.int("columns"), columns >= 0 else {
            throw PlexusError.invalid("PackedMatMul: the attribute columns (N) is required and must be ≥ 0")
        }
        guard x.dtype == .float32, panels.dtype == .float32, x.rank >= 1, panels.rank == 3, panels.shape[2] == panel,
              panels.shape[0] == (columns + panel - 1) / panel, x.shape[x.rank - 1] == panels.shape[1] else {
            throw PlexusError(.shapeMismatch, "PackedMatMul: X \(x.dtype) \(x.shape) does not match panels \(panels.dtype) "
                                + "\(panels.shape) of \(columns) columns")
        }
        let k = panels.shape[1], m = x.count / max(k, 1)
        let y = try context.output(0, .float32, Array(x.shape.dropLast()) + [columns])
        guard m > 0, columns > 0 else { return }
        if k == 0 {
            y.pointer(as: Float.self).update(repeating: 0, count: y.count)
            return
        }
        let packed = KernelBuffers.take(floats: m * k)
        defer { KernelBuffers.give(packed) }
        plx_cpu_sgemm_pack(x.pointer(as: Float.self), m, k, packed.pointer)
        // Tasks: ranges of panels (each thread streams its own share of W).
        let panelCount = panels.shape[0]
        let tasks = max(1, min(panelCount, 2 * Host.threadCount))
        let source = panels.pointer(as: Float.self), target = y.pointer(as: Float.self)
        let rows = UnsafePointer(packed.pointer), failure = Atomic<Int32>(0)
        Host.parallelFor(tasks, grain: 2 * m * k * columns < (1 << 21) ? tasks : 1) { range in
            for task in range {
                let first = task * panelCount / tasks, end = (task + 1) * panelCount / tasks
                guard end > first else { continue }
                let width = min(columns, end * panel) - first * panel
                let status = plx_cpu_sgemm_packed_panels(rows, m, k, 0, m, source + first * panel * k, width, target + first * panel,
                                                         columns, nil)
                if status != 0 { failure.store(status, ordering: .relaxed) }
            }
        }
        guard failure.load(ordering: .relaxed) == 0 else {
            throw PlexusError(.outOfMemory, "PackedMatMul: no memory for the product's row offsets")
        }
    }
}
