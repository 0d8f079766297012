import PlexusPluginKit

/// Flatten and Upsample with PyTorch's arguments.
enum ShapeLayers {
    /// Flatten and Upsample.
    static var all: [LayerDefinition] { [flatten, upsample] }

    /// Flatten(start_dim = 1, end_dim = −1): merges dims start_dim...end_dim into one.
    /// The default range runs the ONNX Flatten op (so exports keep a dynamic batch); others a
    /// Reshape.
    static var flatten: LayerDefinition {
        LayerDefinition("Flatten", attributes: [AttributeDeclaration("start_dim", .int, default: .int(1)),
                                                AttributeDeclaration("end_dim", .int, default: .int(-1))],
                        doc: "merge a range of dims into one",
                        create: { _, attributes in LayerSetting((try attributes.int("start_dim") ?? 1, try attributes.int("end_dim") ?? -1)) },
                        forward: { call, inputs in
                            let x = inputs[0], (start, end) = (call.state as! LayerSetting<(Int, Int)>).value
                            let first = try normalizedAxis(start, rank: x.rank, op: "Flatten"), last = try normalizedAxis(end, rank: x.rank, op: "Flatten")
                            guard first <= last else { throw PlexusError.invalid("Flatten: start_dim \(start) comes after end_dim \(end) for shape \(x.shape)") }
                            // The usual [N, ...] → [N, features] is ONNX Flatten, which keeps the batch dim
                            // symbolic in exported graphs; other ranges reshape to the computed shape.
                            if first == 1 && last == x.rank - 1 { return [try call.call1("Flatten", [x], [("axis", .int(1))])] }
                            let shape = Array(x.shape[..<first]) + [product(x.shape, first..<(last + 1))] + Array(x.shape[(last + 1)...])
                            return [try call.reshape(x, shape)]
                        })
    }

    /// What Upsample's forward needs: the Resize attributes and the target, factors or sizes
    /// (one for all spatial dims, or one per dim).
    struct UpsampleSettings {
        let resizeAttributes: [(String, AttributeValue)]
        let ranks: ClosedRange<Int>
        let factors: [Double]?
        let sizes: [Int]?
    }

    /// Upsample(size | scale_factor, mode, align_corners) over the spatial dims of
    /// [N, C, spatial...]: nearest (PyTorch's floor rule), linear / bilinear / trilinear and
    /// bicubic (half-pixel or align_corners coordinates), as a Resize.
    static var upsample: LayerDefinition {
        LayerDefinition("Upsample",
                        attributes: [AttributeDeclaration("size", .ints), AttributeDeclaration("scale_factor", .floats),
                                     AttributeDeclaration("mode", .string, default: .string("nearest")),
                                     AttributeDeclaration("align_corners", .int, default: .int(0))],
                        doc: "resample the spatial dims by a factor or to a size",
                        create: { _, attributes in
                            let sizes = try attributes.ints("size"), factors = try attributes.floats("scale_factor")
                            guard (sizes == nil) != (factors == nil) else { throw PlexusError.invalid("Upsample: give exactly one of size and scale_factor") }
                            guard sizes?.allSatisfy({ $0 >= 1 }) ?? true, factors?.allSatisfy({ $0 > 0 }) ?? true else {
                                throw PlexusError.invalid("Upsample: size and scale_factor must be positive")
                            }
                            let mode = try attributes.string("mode") ?? "nearest", alignCorners = try attributes.int("align_corners") ?? 0 != 0
                            let coordinates = alignCorners ? "align_corners" : "pytorch_half_pixel"
                            let (resize, ranks): ([(String, AttributeValue)], ClosedRange<Int>)
                            switch mode {
                            case "nearest":
                                guard !alignCorners else { throw PlexusError.invalid("Upsample: align_corners needs an interpolating mode") }
                                (resize, ranks) = ([("mode", .string("nearest")), ("coordinate_transformation_mode", .string("asymmetric")),
                                                    ("nearest_mode", .string("floor"))], 3...5)
                            case "linear", "bilinear", "trilinear":
                                let rank = ["linear": 3, "bilinear": 4, "trilinear": 5][mode]!
                                (resize, ranks) = ([("mode", .string("linear")), ("coordinate_transformation_mode", .string(coordinates))], rank...rank)
                            case "bicubic":
                                (resize, ranks) = ([("mode", .string("cubic")), ("coordinate_transformation_mode", .string(coordinates))], 4...4)
                            default:
                                throw PlexusError.invalid("Upsample: mode must be nearest, linear, bilinear, bicubic or trilinear, got '\(mode)'")
                            }
                            return LayerSetting(UpsampleSettings(resizeAttributes: resize, ranks: ranks, factors: factors, sizes: sizes))
                        },
                        forward: { call, inputs in
                            let x = inputs[0], settings = (call.state as! LayerSetting<UpsampleSettings>).value
                            guard settings.ranks.contains(x.rank) else {
                                throw PlexusError.invalid("Upsample: this mode needs an input of rank \(settings.ranks), got shape \(x.shape)")
                            }
                            let spatial = x.rank - 2
                            if let factors = settings.factors {
                                let spread = try LayerSupport.spread(factors, "scale_factor", rank: spatial, minimum: 0, layer: "Upsample")
                                let scales = try Constants.tensor(call, [1, 1] + spread, shape: [x.rank], dtype: .float32)
                                return [try call.call1("Resize", [x, nil, scales], settings.resizeAttributes)]
                            }
                            let spread = try LayerSupport.spread(settings.sizes!, "size", rank: spatial, minimum: 1, layer: "Upsample")
                            let sizes = try call.shape(leadingDimsOf: x, count: 2, appending: spread)  // N and C stay symbolic
                            return [try call.call1("Resize", [x, nil, nil, sizes], settings.resizeAttributes)]
                        })
    }
}
