import PlexusPluginKit

/// Conv (opset 11) over 1 to 3 spatial dims with groups, strides, dilations, pads or auto_pad
/// and an optional bias: each batch chunk is unfolded (im2col) and multiplied with the filters
/// by the MatMul op, one matrix product per group.
enum Conv: SingleOperatorFamily {
    /// The attributes of Conv (and of the filter-gradient helper, which reads the same ones).
    static var attributes: [AttributeDeclaration] { [
        AttributeDeclaration("auto_pad", .string, default: .string("NOTSET")), AttributeDeclaration("dilations", .ints),
        AttributeDeclaration("group", .int, default: .int(1)), AttributeDeclaration("kernel_shape", .ints),
        AttributeDeclaration("pads", .ints), AttributeDeclaration("strides", .ints),
    ] }

    /// The schema, kernel and gradient rule.
    static var definition: OpDefinition {
        OpDefinition("Conv", since: 11, inputs: 2...3, attributes: attributes, doc: "N-D convolution (cross-correlation) with groups",
                     supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                     infer: ShapeInference.derived(needing: [0, 1]) { context, shapes in
                         try ConvolutionGeometry.convolution(input: shapes[0], weight: shapes[1], attributes: context.attributes, op: "Conv").outputShape
                     },
                     gradient: ConvolutionGradients.conv, compute: compute)
    }

    /// The kernel: checks the geometry, then runs the float body (or the half-precision bridge).
    static func compute(_ context: KernelContext) throws { try forward(context) }

    /// Convolves into output 0, then adds `residual` (a tensor of the output's shape) and applies
    /// `activation` when given (FusedConv). Half-precision inputs go through the bridge, which
    /// runs the op `bridgeDomain`:`context.op` on float32 copies instead. `packedFilters`: W is
    /// in PackFilters' layout, which only the packed GEMM paths read.
    static func forward(_ context: KernelContext, bridgeDomain: String = "", activation: FusedConv.Activation? = nil,
                        residual: KernelTensor? = nil, packedFilters: Bool = false) throws {
        let x = try context.input(0), w = try context.input(1), bias = context.optionalInput(2)
        let dtype = try requireSameDType([x, w, bias, residual], op: context.op)
        let geometry = try ConvolutionGeometry.convolution(input: x.shape, weight: w.shape, attributes: context.attributes, op: context.op)
        try checkBias(bias, count: geometry.filters, op: context.op)
        if packedFilters && !(dtype == .float32 && PanelConvolution.applies(geometry)) {
            throw PlexusError.invalid("\(context.op): packed_filters needs a float32 convolution with one group over 1 or 2 spatial dims, "
                                      + "on a CPU with AVX2 (got \(dtype), group \(geometry.group), \(geometry.axes.count) spatial dims)")
        }
        // Half precision reruns the op on float32 copies, where a broadcasting Z takes FusedConv's Add path.
        if HalfPrecisionBridge.applies(context) { return try HalfPrecisionBridge.run(context, domain: bridgeDomain) }
        if let residual, residual.shape != geometry.outputShape {
            throw PlexusError(.shapeMismatch, "\(context.op): Z must have the output's shape \(geometry.outputShape), got \(residual.shape)")
        }
        let y = try context.output(0, dtype, geometry.outputShape)
        try TypeDispatch.float(dtype, op: context.op, Forward(geometry: geometry, x: x, w: w, bias: bias, y: y,
                                                              residual: residual, activation: activation, packedFilters: packedFilters))
    }

    /// Throws unless `bias` is absent or a vector of `count` elements.
    static func checkBias(_ bias: KernelTensor?, count: Int, op: String) throws {
        if let bias, bias.shape != [count] {
            throw PlexusError(.shapeMismatch, "\(op): B must have shape [\(count)], got \(bias.shape)")
        }
    }

    /// Y[chunk] = filters [group, M/group, rows] · columns [group, rows, chunk positions], plus bias.
    struct Forward: FloatBody {
        let geometry: ConvolutionGeometry, x: KernelTensor, w: KernelTensor, bias: KernelTensor?, y: KernelTensor
        var residual: KernelTensor? = nil, activation: FusedConv.Activation? = nil, packedFilters = false

        func run<T: CPUFloat>(_ type: T.Type) throws {
            if T.self == Float.self && PanelConvolution.applies(geometry) {
                let epilogue = PanelConvolution.Epilogue(bias: bias.map { UnsafePointer($0.pointer(as: Float.self)) },
                                                         residual: residual.map { UnsafePointer($0.pointer(as: Float.self)) },
                                                         activation: activation)
                if packedFilters && WinogradConvolution.applies(geometry) {
                    return WinogradConvolution.run(geometry, x.pointer(as: Float.self), w.pointer(as: Float.self), y.pointer(as: Float.self),
                                                   epilogue)
                }
                if packedFilters && ShiftedConvolution.applies(geometry) {
                    return ShiftedConvolution.run(geometry, x.pointer(as: Float.self), w.pointer(as: Float.self), y.pointer(as: Float.self),
                                                  epilogue)
                }
                return PanelConvolution.run(geometry, x.pointer(as: Float.self), w.pointer(as: Float.self), y.pointer(as: Float.self),
                                            epilogue, packedFilters: packedFilters)
            }
            var clamped = false
            if DepthwiseConv.applies(geometry) {
                var clamp: (Double, Double)?
                if residual == nil, case .clip(let low, let high)? = activation { clamp = (low, high) }
                clamped = DepthwiseConv.run(geometry, x: x.pointer(as: T.self), w: w.pointer(as: T.self),
                                            bias: bias.map { UnsafePointer($0.pointer(as: T.self)) }, y: y.pointer(as: T.self), clamp: clamp)
            } else {
                try unfoldAndMultiply(T.self)
            }
            if !clamped { try FusedConv.Finish(y: y, residual: residual, activation: activation).run(T.self) }
        }

        /// The general path: im2col per batch chunk, one MatMul per group, then bias.
        private func unfoldAndMultiply<T: CPUFloat>(_ type: T.Type) throws {
            let positions = geometry.volume.outputCount
            let filters = try Scratch.reshaped(w, as: [geometry.group, geometry.filtersPerGroup, geometry.rowsPerGroup])
            let bias = self.bias.map { UnsafePointer($0.pointer(as: T.self)) }
            for items in geometry.batchChunks(elementsPerItem: geometry.group * geometry.rowsPerGroup * positions) {
                // A pointwise convolution of one image needs no im2col: the image is the matrix.
                let columns = geometry.isPointwise && geometry.batch == 1
                    ? try Scratch.reshaped(x, as: [geometry.group, geometry.rowsPerGroup, positions])
                    : try ColumnMatrix.unfold(x.pointer(as: T.self), geometry, items: items)
                let product = try Scratch.matMul(filters, columns)
                withExtendedLifetime(product) {
                    ChannelLayout.scatter(product.view.pointer(as: T.self), items: items, channels: geometry.filters, length: positions,
                                          bias: bias, into: y.pointer(as: T.self))
                }
            }
        }
    }
}
