import PlexusPluginKit

/// DepthToSpace (opset 13) and SpaceToDepth (opset 13; `mode` from opset 25), each with modes DCR
/// and CRD (the channel order of the depth side), on [N, C, H, W]:
/// pure data movement (any fixed-size dtype). Their gradients route dY back through the same
/// movement applied to element indices (`IndexRouting`).
enum DepthToSpace: OperatorFamily {
    /// DepthToSpace and SpaceToDepth.
    static var definitions: [OpDefinition] { [
        OpDefinition("DepthToSpace", since: 13, inputs: 1...1,
                     attributes: [.required("blocksize", .int), AttributeDeclaration("mode", .string, default: .string("DCR"))],
                     doc: "move blocks of channels into space", supports: supportsMovement,
                     infer: ShapeInference.derived { context, shapes in
                         try Layout(shapes[0], attributes: context.attributes, toSpace: true, op: "DepthToSpace").outputShape
                     },
                     gradient: IndexRouting.rule("DepthToSpace"), compute: { try compute($0, toSpace: true) }),
        OpDefinition("SpaceToDepth", since: 13, inputs: 1...1,
                     attributes: [.required("blocksize", .int), AttributeDeclaration("mode", .string, default: .string("DCR"))],
                     doc: "move blocks of space into channels", supports: supportsMovement,
                     infer: ShapeInference.derived { context, shapes in
                         try Layout(shapes[0], attributes: context.attributes, toSpace: false, op: "SpaceToDepth").outputShape
                     },
                     gradient: IndexRouting.rule("SpaceToDepth"), compute: { try compute($0, toSpace: false) }),
    ] }

    /// Every dtype of fixed size (not strings).
    static func supportsMovement(_ dtypes: [DType?]) -> Bool {
        guard let dtype = dtypes.first ?? nil else { return false }
        return dtype != .string
    }

    /// The sizes of the move, as the space-side shape [N, C, H, W] with the block size.
    struct Layout {
        let batch: Int, channels: Int, height: Int, width: Int, block: Int
        /// Channel-major ("CRD") rather than depth-major ("DCR") channel order of the depth side.
        let columnMajor: Bool
        let toSpace: Bool

        /// Reads blocksize (and mode) for an input of `shape`, moving to space (`toSpace`) or to depth.
        init(_ shape: [Int], attributes: AttributeReader, toSpace: Bool, op: String) throws {
            guard shape.count == 4 else { throw PlexusError.invalid("\(op): input must be [N, C, H, W], got shape \(shape)") }
            block = try attributes.int("blocksize") ?? 0
            guard block >= 1, block <= shape.dropFirst().max() ?? 0 else {
                throw PlexusError.invalid("\(op): blocksize must be positive and fit the input \(shape), got \(block)")
            }
            let mode = try attributes.string("mode") ?? "DCR"
            guard mode == "DCR" || mode == "CRD" else { throw PlexusError.invalid("\(op): mode must be DCR or CRD, got '\(mode)'") }
            columnMajor = mode == "CRD"
            self.toSpace = toSpace
            batch = shape[0]
            if toSpace {
                guard shape[1] % (block * block) == 0 else {
                    throw PlexusError(.shapeMismatch, "\(op): \(shape[1]) channels are not divisible by blocksize² = \(block * block)")
                }
                (channels, height, width) = (shape[1] / (block * block), shape[2] * block, shape[3] * block)
            } else {
                guard shape[2] % block == 0, shape[3] % block == 0 else {
                    throw PlexusError(.shapeMismatch, "\(op): H and W of \(shape) are not divisible by blocksize \(block)")
                }
                (channels, height, width) = (shape[1], shape[2], shape[3])
            }
        }

        var spaceShape: [Int] { [batch, channels, height, width] }
        var depthShape: [Int] { [batch, channels * block * block, height / block, width / block] }
        var outputShape: [Int] { toSpace ? spaceShape : depthShape }

        /// The depth-side index of space-side element (n, c, h, w).
        @inline(__always) func depthIndex(_ n: Int, _ c: Int, _ h: Int, _ w: Int) -> Int {
            let (i, j) = (h % block, w % block), offset = i &* block &+ j
            let channel = columnMajor ? c &* block &* block &+ offset : offset &* channels &+ c
            return ((n &* channels &* block &* block &+ channel) &* (height / block) &+ h / block) &* (width / block) &+ w / block
        }
    }

    /// The kernel of either op.
    static func compute(_ context: KernelContext, toSpace: Bool) throws {
        let x = try context.input(0)
        let layout = try Layout(x.shape, attributes: context.attributes, toSpace: toSpace, op: context.op)
        let y = try context.output(0, x.dtype, layout.outputShape)
        switch x.dtype.elementSize {
        case 1: move(UInt8.self, x, y, layout)
        case 2: move(UInt16.self, x, y, layout)
        case 4: move(UInt32.self, x, y, layout)
        default: move(UInt64.self, x, y, layout)
        }
    }

    /// Copies each space-side element to or from its depth-side place, as unsigned integers of
    /// the element's size.
    static func move<T>(_ type: T.Type, _ x: KernelTensor, _ y: KernelTensor, _ layout: Layout) {
        let source = x.pointer(as: T.self), target = y.pointer(as: T.self)
        let (height, width) = (layout.height, layout.width)
        Host.parallelFor(layout.batch * layout.channels, grain: WorkGrain.items(cost: height * width)) { planes in
            for plane in planes {
                let n = plane / layout.channels, c = plane % layout.channels
                var space = plane &* height &* width
                for h in 0..<height {
                    for w in 0..<width {
                        let depth = layout.depthIndex(n, c, h, w)
                        if layout.toSpace { target[space] = source[depth] } else { target[depth] = source[space] }
                        space &+= 1
                    }
                }
            }
        }
    }
}
