import PlexusPluginKit

/// Helper op ConvFilterGradient(X, W, dY) → dW: the gradient of a convolution's filters,
/// dW[group] = Σ over batch chunks of dY[group] · columns(X)[group]ᵀ. W is read for its shape
/// only; the attributes are Conv's. ConvTranspose's filter gradient is the same product with the
/// roles of X and dY exchanged.
enum ConvFilterGradient: SingleOperatorFamily {
    /// The schema and kernel.
    static var definition: OpDefinition {
        OpDefinition("ConvFilterGradient", domain: HelperOps.domain, since: 1, inputs: 3...3, attributes: Conv.attributes,
                     doc: "gradient of Conv with respect to W, given X, W (for its shape) and dY",
                     supports: DTypes.first(DTypes.floats.union(DTypes.halfs)), compute: compute)
    }

    /// The kernel: checks that dY matches the convolution of X and W, then runs the body.
    static func compute(_ context: KernelContext) throws {
        let x = try context.input(0), w = try context.input(1), dy = try context.input(2)
        let dtype = try requireSameDType([x, w, dy], op: "ConvFilterGradient")
        let geometry = try ConvolutionGeometry.convolution(input: x.shape, weight: w.shape, attributes: context.attributes,
                                                           op: "ConvFilterGradient")
        guard dy.shape == geometry.outputShape else {
            throw PlexusError(.shapeMismatch, "ConvFilterGradient: dY has shape \(dy.shape), the convolution gives \(geometry.outputShape)")
        }
        if HalfPrecisionBridge.applies(context) { return try HalfPrecisionBridge.run(context, domain: HelperOps.domain) }
        let dw = try context.output(0, dtype, w.shape)
        try TypeDispatch.float(dtype, op: "ConvFilterGradient", Body(geometry: geometry, x: x, dy: dy, dw: dw))
    }

    /// product [group, rows, M/group] = columns [group, rows, chunk positions] · dYᵀ [group, chunk positions, M/group],
    /// accumulated over chunks into dW [M, rows] (transposing each group's block).
    struct Body: FloatBody {
        let geometry: ConvolutionGeometry, x: KernelTensor, dy: KernelTensor, dw: KernelTensor

        func run<T: CPUFloat>(_ type: T.Type) throws {
            let positions = geometry.volume.outputCount, rows = geometry.rowsPerGroup, perGroup = geometry.filtersPerGroup
            let target = dw.pointer(as: T.self)
            target.initialize(repeating: T.zero, count: dw.count)
            for items in geometry.batchChunks(elementsPerItem: geometry.group * rows * positions) {
                let columns = try ColumnMatrix.unfold(x.pointer(as: T.self), geometry, items: items)
                let gradients = try Scratch.zeros(T.dtype, [geometry.group, items.count * positions, perGroup])
                ChannelLayout.gatherTransposed(dy.pointer(as: T.self), items: items, group: geometry.group, perGroup: perGroup,
                                               length: positions, into: gradients.view.pointer(as: T.self))
                let product = try Scratch.matMul(columns, gradients)
                withExtendedLifetime(product) {
                    let source = product.view.pointer(as: T.self)
                    for filter in 0..<geometry.filters {
                        let block = source + (filter / perGroup) * rows * perGroup + filter % perGroup
                        let row = target + filter * rows
                        for r in 0..<rows { row[r] += block[r * perGroup] }
                    }
                }
            }
        }
    }
}
