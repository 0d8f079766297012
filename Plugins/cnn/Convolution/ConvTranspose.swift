import PlexusPluginKit

/// ConvTranspose (opset 11): the adjoint of a convolution, with groups, strides, dilations,
/// pads or auto_pad, output_padding, output_shape and an optional bias. Each batch chunk's
/// columns are the MatMul of the transposed filters with X, folded (col2im) into Y.
enum ConvTranspose: SingleOperatorFamily {
    /// The schema, kernel and gradient rule.
    static var definition: OpDefinition {
        OpDefinition("ConvTranspose", since: 11, inputs: 2...3,
                     attributes: Conv.attributes + [AttributeDeclaration("output_padding", .ints), AttributeDeclaration("output_shape", .ints)],
                     doc: "transposed convolution (the gradient of Conv with respect to its input)",
                     supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                     infer: ShapeInference.derived(needing: [0, 1]) { context, shapes in
                         try ConvolutionGeometry.transposed(input: shapes[0], weight: shapes[1], attributes: context.attributes,
                                                            op: "ConvTranspose").imageShape
                     },
                     gradient: ConvolutionGradients.convTranspose, compute: compute)
    }

    /// The kernel: checks the geometry, then runs the float body (or the half-precision bridge).
    static func compute(_ context: KernelContext) throws {
        let x = try context.input(0), w = try context.input(1), bias = context.optionalInput(2)
        let dtype = try requireSameDType([x, w, bias], op: "ConvTranspose")
        let geometry = try ConvolutionGeometry.transposed(input: x.shape, weight: w.shape, attributes: context.attributes, op: "ConvTranspose")
        try Conv.checkBias(bias, count: geometry.channels, op: "ConvTranspose")
        if HalfPrecisionBridge.applies(context) { return try HalfPrecisionBridge.run(context) }
        let y = try context.output(0, dtype, geometry.imageShape)
        try TypeDispatch.float(dtype, op: "ConvTranspose", Forward(geometry: geometry, x: x, w: w, bias: bias, y: y))
    }

    /// columns [group, rows, chunk positions] = Wᵀ [group, rows, C_in/group] · X [group, C_in/group, chunk positions],
    /// folded into Y; then the bias.
    struct Forward: FloatBody {
        let geometry: ConvolutionGeometry, x: KernelTensor, w: KernelTensor, bias: KernelTensor?, y: KernelTensor

        func run<T: CPUFloat>(_ type: T.Type) throws {
            let positions = geometry.volume.outputCount, imageSize = geometry.volume.inputCount
            let filters = try transposedFilters(T.self)
            let target = y.pointer(as: T.self)
            target.initialize(repeating: T.zero, count: y.count)
            for items in geometry.batchChunks(elementsPerItem: geometry.group * geometry.rowsPerGroup * positions) {
                let inputs = try Scratch.zeros(T.dtype, [geometry.group, geometry.filtersPerGroup, items.count * positions])
                ChannelLayout.gather(x.pointer(as: T.self), items: items, channels: geometry.filters, length: positions,
                                     into: inputs.view.pointer(as: T.self))
                let columns = try Scratch.matMul(filters, inputs)
                withExtendedLifetime(columns) {
                    ColumnMatrix.fold(columns.view.pointer(as: T.self), geometry, items: items, into: target)
                }
            }
            guard let bias else { return }
            let shift = bias.pointer(as: T.self), channels = geometry.channels
            Host.parallelFor(geometry.batch * channels, grain: WorkGrain.items(cost: imageSize)) { planes in
                for plane in planes {
                    let value = shift[plane % channels], base = target + plane &* imageSize
                    for i in 0..<imageSize { base[i] += value }
                }
            }
        }

        /// W [C_in, rows per group] regrouped as [group, rows per group, C_in/group].
        func transposedFilters<T: CPUFloat>(_ type: T.Type) throws -> OwnedTensor {
            let rows = geometry.rowsPerGroup, perGroup = geometry.filtersPerGroup
            let result = try Scratch.zeros(T.dtype, [geometry.group, rows, perGroup])
            let source = w.pointer(as: T.self), target = result.view.pointer(as: T.self)
            for filter in 0..<geometry.filters {
                let group = filter / perGroup, column = filter % perGroup
                for row in 0..<rows { target[(group * rows + row) * perGroup + column] = source[filter * rows + row] }
            }
            return result
        }
    }
}
