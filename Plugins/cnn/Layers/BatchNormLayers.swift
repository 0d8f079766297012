import PlexusPluginKit

/// BatchNorm1d ([N, C] or [N, C, L]) and BatchNorm2d ([N, C, H, W]) with PyTorch's arguments.
/// In training mode (or without running statistics) they normalise with the batch's statistics
/// and update the running_mean / running_var buffers in place with PyTorch's momentum and
/// unbiased variance; in eval mode they use the buffers.
enum BatchNormLayers {
    /// BatchNorm1d and BatchNorm2d.
    static var all: [LayerDefinition] {
        [batchNorm("BatchNorm1d", ranks: [2, 3], layout: "[N, C] or [N, C, L]"), batchNorm("BatchNorm2d", ranks: [4], layout: "[N, C, H, W]")]
    }

    /// The checked constructor settings.
    struct Settings {
        let channels: Int, epsilon: Double, momentum: Double, affine: Bool, tracking: Bool
    }

    /// A batch-norm layer type accepting inputs of `ranks` (described as `layout` in errors).
    static func batchNorm(_ name: String, ranks: Set<Int>, layout: String) -> LayerDefinition {
        LayerDefinition(name,
                        attributes: [.required("num_features", .int), AttributeDeclaration("eps", .float, default: .float(1e-5)),
                                     AttributeDeclaration("momentum", .float, default: .float(0.1)), AttributeDeclaration("affine", .int, default: .int(1)),
                                     AttributeDeclaration("track_running_stats", .int, default: .int(1)), LayerSupport.dtypeAttribute],
                        doc: "batch normalisation with running statistics",
                        create: { builder, attributes in
                            let settings = Settings(channels: try attributes.int("num_features") ?? 0, epsilon: try attributes.float("eps") ?? 1e-5,
                                                    momentum: try attributes.float("momentum") ?? 0.1, affine: try attributes.int("affine") != 0,
                                                    tracking: try attributes.int("track_running_stats") != 0)
                            guard settings.channels > 0 else { throw PlexusError.invalid("\(name): num_features must be positive") }
                            guard settings.epsilon > 0, (0...1).contains(settings.momentum) else {
                                throw PlexusError.invalid("\(name): eps must be positive and momentum in [0, 1]")
                            }
                            let dtype = try LayerSupport.dtype(attributes, layer: name)
                            if settings.affine {
                                try builder.parameter("weight", dtype, [settings.channels], .ones)
                                try builder.parameter("bias", dtype, [settings.channels], .zeros)
                            }
                            if settings.tracking {
                                try builder.buffer("running_mean", dtype, [settings.channels], .zeros)
                                try builder.buffer("running_var", dtype, [settings.channels], .ones)
                            }
                            return LayerSetting(settings)
                        },
                        forward: { call, inputs in
                            let x = inputs[0], settings = (call.state as! LayerSetting<Settings>).value
                            try LayerSupport.checkInput(x, ranks: ranks, channels: settings.channels, layer: name, layout: layout)
                            return [try forward(call, x, settings, layer: name)]
                        })
    }

    /// Normalises `x` with batch statistics (training, or no running statistics) or the running ones, updating the latter in training.
    static func forward(_ call: LayerCall, _ x: KernelTensor, _ settings: Settings, layer: String) throws -> KernelTensor {
        let channels = settings.channels
        func constant(_ value: Double) throws -> KernelTensor {
            try Constants.tensor(call, Array(repeating: value, count: channels), shape: [channels], dtype: x.dtype)
        }
        let scale = settings.affine ? try call.tensor("weight") : try constant(1)
        let shift = settings.affine ? try call.tensor("bias") : try constant(0)
        let mean = settings.tracking ? try call.tensor("running_mean") : try constant(0)
        let variance = settings.tracking ? try call.tensor("running_var") : try constant(1)
        let useBatch = call.isTraining || !settings.tracking
        if call.isTraining {
            guard x.count / channels > 1 else { throw PlexusError.invalid("\(layer): training needs more than one value per channel, got shape \(x.shape)") }
            if settings.tracking {
                try TypeDispatch.float(x.dtype, op: layer, RunningUpdate(x: x, mean: mean, variance: variance, momentum: settings.momentum))
            }
        }
        return try call.call1("BatchNormalization", [x, scale, shift, mean, variance],
                              [("epsilon", .float(settings.epsilon)), ("training_mode", .int(useBatch ? 1 : 0))])
    }

    /// running = (1 − momentum)·running + momentum·batch, with the unbiased batch variance.
    struct RunningUpdate: FloatBody {
        let x: KernelTensor, mean: KernelTensor, variance: KernelTensor, momentum: Double

        func run<T: CPUFloat>(_ type: T.Type) throws {
            let channels = x.shape[1]
            let statistics = ChannelStatistics(x.pointer(as: T.self), batch: x.shape[0], channels: channels, planeSize: product(x.shape, 2..<x.rank),
                                               acrossBatch: true)
            let count = Double(x.count / channels), runningMean = mean.pointer(as: T.self), runningVariance = variance.pointer(as: T.self)
            for c in 0..<channels {
                runningMean[c] = T((1 - momentum) * runningMean[c].double + momentum * statistics.means[c])
                runningVariance[c] = T((1 - momentum) * runningVariance[c].double + momentum * statistics.variances[c] * count / (count - 1))
            }
        }
    }
}
