import PlexusPluginKit

/// The gradient of an op that only moves the elements of input 0: run the op again on the
/// elements' indices to learn where each output element came from, then scatter-add the
/// upstream gradient back to those places. (The CPU plugin has the same rule for its movement
/// ops; plugins cannot share code, so this is the CNN plugin's copy.)
enum IndexRouting {
    /// The rule for `op`, which must accept int64 data and keep input 0's element count or
    /// move a subset of its elements.
    static func rule(_ op: String) -> (Gradient) throws -> Void { { g in
        guard g.needs(0), let d = g.upstream else { return }
        let x = try g.input(0)
        let bounds = try [0, x.count, 1].map { try g.reshape(try g.int64s([$0]), []) }
        let indices = try g.reshape(try g.call1("Range", bounds), x.shape)
        let routes = try g.rerun(op, [indices] + g.inputs.dropFirst())
        let scattered = try g.call1("ScatterElements", [try g.zeros(d.dtype, [x.count]), try g.reshape(routes, [-1]), try g.reshape(d, [-1])],
                                    [("reduction", .string("add"))])
        try g.set(0, try g.reshape(scattered, x.shape))
    } }
}
