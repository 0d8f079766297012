import CPlexusCPUKernels
import PlexusPluginKit

/// The fused CPU forward of RNN, LSTM and GRU: one Gemm projects the inputs of every step and
/// direction at once (X·Wᵀ plus the biases that can be folded in), then each direction runs
/// its recurrence step by step (`RecurrentPass`).
enum FusedRecurrentKernel {
    /// The kernel of `cell`'s op.
    static func compute(_ cell: RecurrentCell, _ context: KernelContext) throws {
        let setup = try RecurrentSetup(cell: cell, inputs: context.inputs, attributes: context.attributes)
        let dtype = try context.input(RecurrentInput.x).dtype
        let output = try context.output(0, dtype, setup.outputShape)
        let finalHidden = context.outputCount > 1 ? try context.output(1, dtype, setup.stateShape) : nil
        let finalCell = context.outputCount > 2 ? try context.output(2, dtype, setup.stateShape) : nil
        try TypeDispatch.float(dtype, op: cell.name, Body(setup: setup, inputs: context.inputs, output: output,
                                                          finalHidden: finalHidden, finalCell: finalCell))
    }

    /// The kernel for one element type.
    struct Body: FloatBody {
        let setup: RecurrentSetup
        let inputs: [KernelTensor?]
        let output: KernelTensor, finalHidden: KernelTensor?, finalCell: KernelTensor?

        func run<T: CPUFloat>(_ type: T.Type) throws {
            func pointer(_ index: Int) -> UnsafePointer<T>? {
                index < inputs.count ? inputs[index].map { UnsafePointer($0.pointer(as: T.self)) } : nil
            }
            let projection = try project(T.self)
            let (hidden, width) = (setup.hidden, setup.gateWidth)
            let bias = pointer(RecurrentInput.bias), peepholes = pointer(RecurrentInput.peepholes)
            try withExtendedLifetime(projection) {
                for pass in 0..<setup.passes {
                    let gates = GateMath<T>(hidden: hidden, activations: setup.activations[pass], bound: T(double: setup.clip ?? .infinity),
                                            peepholes: peepholes.map { $0 + pass * 3 * hidden }, inputForget: setup.inputForget,
                                            hiddenBias: setup.linearBeforeReset ? bias.map { $0 + pass * 2 * width + width + 2 * hidden } : nil)
                    try RecurrentPass<T>(setup: setup, pass: pass, projection: UnsafePointer(projection.view.pointer(as: T.self)),
                                         recurrentWeights: pointer(RecurrentInput.recurrentWeights)! + pass * width * hidden,
                                         initialHidden: pointer(RecurrentInput.initialHidden), initialCell: pointer(RecurrentInput.initialCell),
                                         gates: gates, output: output.pointer(as: T.self), finalHidden: finalHidden?.pointer(as: T.self),
                                         finalCell: finalCell?.pointer(as: T.self)).run()
                }
            }
        }

        /// Up to this many rows (steps × batch) a float32 projection takes dot products with W's
        /// rows directly: for a short sequence at batch 1 the Gemm op's dispatch and the two
        /// Reshape views cost more than the arithmetic. More rows go to the Gemm op: its blocked
        /// kernels are made for many rows, dot products (`plx_cpu_sgemm_dot_rows`) for few.
        static var directRows: Int { 16 }

        /// X·Wᵀ + biases for every step and direction, one Gemm: [steps·batch, passes·gates·hidden].
        func project<T: CPUFloat>(_ type: T.Type) throws -> OwnedTensor {
            let rows = setup.steps * setup.batch, columns = setup.passes * setup.gateWidth
            if T.self == Float.self, rows <= Self.directRows { return try projectDirectly(rows: rows, columns: columns) }
            let x = try reshaped(inputs[RecurrentInput.x]!, [rows, setup.inputSize])
            let w = try reshaped(inputs[RecurrentInput.weights]!, [columns, setup.inputSize])
            let bias = try (inputs.count > RecurrentInput.bias ? inputs[RecurrentInput.bias] : nil).map { try inputBias($0, T.self) }
            return try withExtendedLifetime((x, w, bias)) {
                try Host.call("Gemm", [x.view, w.view, bias?.view], attributes: [("transB", .int(1))])[0]
            }
        }

        /// The float32 projection as dot products of X's rows with W's rows, then the biases.
        func projectDirectly(rows: Int, columns: Int) throws -> OwnedTensor {
            let result = try OwnedTensor.create(.float32, [rows, columns])
            let x = inputs[RecurrentInput.x]!.pointer(as: Float.self), w = inputs[RecurrentInput.weights]!.pointer(as: Float.self)
            let c = result.view.pointer(as: Float.self), size = setup.inputSize
            if plx_cpu_avx512_available() != 0 {
                // Wᵀ once, then the register-blocked row kernel: dot products of short rows (k = the
                // input size) spend more on summing lanes than on multiplying.
                let transposed = try OwnedTensor.create(.float32, [size, columns])
                let wt = transposed.view.pointer(as: Float.self)
                plx_cpu_transpose(w, columns, size, wt)
                let block = Int(PLX_CPU_SGEMM_AVX512_ROWS)
                for first in stride(from: 0, to: rows, by: block) {
                    _ = plx_cpu_sgemm_rows_avx512(x + first &* size, size, 1, wt, columns, c + first &* columns, columns,
                                                  min(block, rows - first), columns, size)
                }
            } else {
                let grain = columns &* size < (1 << 15) ? columns : max(4, columns / max(Host.threadCount, 1))
                Host.parallelFor(columns, grain: grain) { range in
                    plx_cpu_sgemm_dot_rows(x, rows, w + range.lowerBound &* size, range.count, size, c + range.lowerBound, columns)
                }
            }
            if let given = inputs.count > RecurrentInput.bias ? inputs[RecurrentInput.bias] : nil {
                let bias = try inputBias(given, Float.self)
                let b = bias.view.pointer(as: Float.self)
                for row in 0..<rows { for column in 0..<columns { c[row &* columns &+ column] += b[column] } }
            }
            return result
        }

        /// Wb + Rb of every direction, [passes·gates·hidden]; a GRU with linear_before_reset
        /// keeps Rbh out (it goes inside the reset gate's product).
        func inputBias<T: CPUFloat>(_ bias: KernelTensor, _ type: T.Type) throws -> OwnedTensor {
            let width = setup.gateWidth, keptFrom = setup.linearBeforeReset ? 2 * setup.hidden : width
            let result = try OwnedTensor.create(T.dtype, [setup.passes * width])
            let source = bias.pointer(as: T.self), target = result.view.pointer(as: T.self)
            for pass in 0..<setup.passes {
                let wb = source + pass * 2 * width, rb = wb + width
                for k in 0..<width { target[pass * width + k] = k < keptFrom ? wb[k] + rb[k] : wb[k] }
            }
            return result
        }

        /// `tensor` viewed with another shape (the Reshape op; no copy).
        func reshaped(_ tensor: KernelTensor, _ shape: [Int]) throws -> OwnedTensor {
            let dims = try OwnedTensor.create(.int64, [shape.count])
            for (index, dim) in shape.enumerated() { dims.view.pointer(as: Int64.self)[index] = Int64(dim) }
            return try withExtendedLifetime(dims) { try Host.call("Reshape", [tensor, dims.view])[0] }
        }
    }
}
