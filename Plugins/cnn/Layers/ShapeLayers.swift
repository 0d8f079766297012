import PlexusPluginKit

/// Flatten and Upsample with PyTorch's arguments.
enum ShapeLayers {
    static var all: [LayerDefinition] { [flatten, upsample] }

    /// Flatten(start_dim = 1, end_dim = −1): merges dims start_dim...end_dim into one.
    static var flatten: LayerDefinition {
        LayerDefinition("Flatten", attributes: [AttributeDeclaration("start_dim", .int, default: .int(1)),
                                                AttributeDeclaration("end_dim", .int, default: .int(-1))],
                        doc: "merge a range of dims into one",
                        create: { _, attributes in LayerSetting((try attributes.int("start_dim") ?? 1, try attributes.int("end_dim") ?? -1)) },
                        forward: { call, inputs in
                            let x = inputs[0], (start, end) = (call.state as! LayerSetting<(Int, Int)>).value
                            let first = try normalizedAxis(start, rank: x.rank, op: "Flatten"), last = try normalizedAxis(end, rank: x.rank, op: "Flatten")
                            guard first <= last else { throw PlexusError.invalid("Flatten: start_dim \(start) comes after end_dim \(end) for shape \(x.shape)") }
                            let shape = Array(x.shape[..<first]) + [product(x.shape, first..<(last + 1))] + Array(x.shape[(last + 1)...])
                            return [try call.reshape(x, shape)]
                        })
    }

    /// What Upsample's forward needs: the Resize attributes and the target (factor or size).
    struct UpsampleSettings {
        let resizeAttributes: [(String, AttributeValue)]
        let ranks: ClosedRange<Int>
        let factor: Double?
        let size: Int?
    }

    /// Upsample(size | scale_factor, mode, align_corners) over the spatial dims of
    /// [N, C, spatial...]: nearest (PyTorch's floor rule), linear / bilinear / trilinear and
    /// bicubic (half-pixel or align_corners coordinates), as a Resize.
    static var upsample: LayerDefinition {
        LayerDefinition("Upsample",
                        attributes: [AttributeDeclaration("size", .int), AttributeDeclaration("scale_factor", .float),
                                     AttributeDeclaration("mode", .string, default: .string("nearest")),
                                     AttributeDeclaration("align_corners", .int, default: .int(0))],
                        doc: "resample the spatial dims by a factor or to a size",
                        create: { _, attributes in
                            let size = try attributes.int("size"), factor = try attributes.float("scale_factor")
                            guard (size == nil) != (factor == nil) else { throw PlexusError.invalid("Upsample: give exactly one of size and scale_factor") }
                            guard size.map({ $0 >= 1 }) ?? true, factor.map({ $0 > 0 }) ?? true else {
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
                            return LayerSetting(UpsampleSettings(resizeAttributes: resize, ranks: ranks, factor: factor, size: size))
                        },
                        forward: { call, inputs in
                            let x = inputs[0], settings = (call.state as! LayerSetting<UpsampleSettings>).value
                            guard settings.ranks.contains(x.rank) else {
                                throw PlexusError.invalid("Upsample: this mode needs an input of rank \(settings.ranks), got shape \(x.shape)")
                            }
                            let spatial = x.rank - 2
                            if let factor = settings.factor {
                                let scales = try Constants.tensor(call, [1, 1] + Array(repeating: factor, count: spatial), shape: [x.rank], dtype: .float32)
                                return [try call.call1("Resize", [x, nil, scales], settings.resizeAttributes)]
                            }
                            let sizes = try call.int64s(Array(x.shape.prefix(2)) + Array(repeating: settings.size!, count: spatial))
                            return [try call.call1("Resize", [x, nil, nil, sizes], settings.resizeAttributes)]
                        })
    }
}
