/// Records the operator calls made on a thread between `start` and `stop`, as a `Graph`: the tensors fed in become
/// graph inputs, named tensors (parameters, buffers) and any other constant a layer creates
/// become initializers, and each op call becomes a node. Export to ONNX traces this way.
///
/// Only top-level calls are recorded: what an op's kernel or decomposition calls inside is
/// its business, unless `shouldDecompose` says the op must be expressed by its decomposition
/// (an op newer than the target opset), in which case its inner calls are recorded instead.
public final class Tracer {
    private var names: [ObjectIdentifier: String] = [:]
    private var kept: [Tensor] = []  // keeps traced tensors alive so their identities stay unique
    private var nodes: [Graph.Node] = []
    private var initializers: [String: Tensor] = [:]
    private var counter = 0
    let shouldDecompose: (OpSchema) -> Bool

    /// A tracer; `shouldDecompose` picks ops to record through their decompositions.
    public init(shouldDecompose: @escaping (OpSchema) -> Bool = { _ in false }) {
        self.shouldDecompose = shouldDecompose
    }

    /// Names a tensor that will appear in the graph (an input, or a parameter by its state-dict
    /// name). A graph input keeps its input name.
    public func name(_ tensor: Tensor, _ name: String) {
        if let given = names[ObjectIdentifier(tensor)], graphInputs.contains(given) { return }
        names[ObjectIdentifier(tensor)] = name
        kept.append(tensor)
    }

    private func fresh(_ base: String) -> String {
        counter += 1
        return "\(base)_\(counter)"
    }

    /// The graph value of `tensor`; a tensor not produced by a recorded node becomes an initializer.
    private func value(of tensor: Tensor, inputs: Set<String>) -> String {
        if let name = names[ObjectIdentifier(tensor)] {
            if !inputs.contains(name) && initializers[name] == nil && !nodes.contains(where: { $0.outputs.contains(name) }) {
                initializers[name] = tensor
            }
            return name
        }
        let name = fresh("const")
        self.name(tensor, name)
        initializers[name] = tensor
        return name
    }

    private var graphInputs: Set<String> = []

    /// Renames a node-produced value everywhere it appears.
    private func rename(_ old: String, to new: String) {
        for index in nodes.indices {
            nodes[index].inputs = nodes[index].inputs.map { $0 == old ? new : $0 }
            nodes[index].outputs = nodes[index].outputs.map { $0 == old ? new : $0 }
        }
        for (key, name) in names where name == old { names[key] = new }
    }

    func record(_ key: OpKey, inputs: [Tensor?], outputs: [Tensor], attributes: Attributes) {
        let inputNames = inputs.map { $0.map { value(of: $0, inputs: graphInputs) } ?? "" }
        let outputNames = outputs.map { output -> String in
            let name = fresh("\(key.name.lowercased())")
            self.name(output, name)
            return name
        }
        // A snapshot: the caller's set may be shared (a prepared op's, a session graph node's) and
        // export rewrites node attributes for older opsets.
        nodes.append(Graph.Node(op: key, name: "\(key.name)_\(nodes.count)", inputs: inputNames, outputs: outputNames,
                                attributes: attributes.copy()))
    }

    /// The thread context this tracer records on while started (see `start`).
    private var recordingOn: ThreadContext?

    /// Whether the tracer is recording (between `start` and `stop`).
    public var isRecording: Bool { recordingOn != nil }

    /// Starts recording the op calls made on this thread, with `inputs` as the graph's inputs
    /// (named as given). Gradient recording is off on this thread until `stop`. Throws when
    /// this thread is already tracing or this tracer already ran.
    public func start(inputs: [(name: String, tensor: Tensor)]) throws {
        let context = ThreadContext.current
        guard context.tracer == nil else { throw PlexusError.invalid("tracing is already in progress on this thread") }
        guard recordingOn == nil && !finished else { throw PlexusError.invalid("this trace already ran; begin a new one") }
        for (name, tensor) in inputs { self.name(tensor, name) }
        graphInputs = Set(inputs.map(\.name))
        inputInfos = inputs.map { Graph.ValueInfo(name: $0.name, dtype: $0.tensor.dtype, shape: $0.tensor.shape.map { .fixed($0) }) }
        context.tracer = self
        recordingOn = context
        GradMode.begin()
    }

    /// Stops recording. Must run on the thread that started it (throws otherwise); stopping a
    /// tracer that is not recording does nothing.
    public func stop() throws {
        guard let context = recordingOn else { return }
        guard context === ThreadContext.current else { throw PlexusError.invalid("a trace must end on the thread that began it") }
        context.tracer = nil
        recordingOn = nil
        finished = true
        try GradMode.end()
    }

    private var finished = false
    private var built = false
    private var inputInfos: [Graph.ValueInfo] = []

    /// The recorded graph from the inputs given to `start` to `results` (named by
    /// `outputNames`, or output_N); stops recording first.
    public func graph(outputs results: [Tensor], outputNames: [String]? = nil) throws -> Graph {
        try stop()
        guard finished else { throw PlexusError.invalid("the trace was never started") }
        guard !built else { throw PlexusError.invalid("the trace's graph was already made; a trace ends once") }
        built = true
        var outputs: [Graph.ValueInfo] = []
        for (index, tensor) in results.enumerated() {
            let wanted = outputNames.map { index < $0.count ? $0[index] : "output_\(index)" } ?? "output_\(index)"
            var current = value(of: tensor, inputs: graphInputs)
            if current != wanted {
                if nodes.contains(where: { $0.outputs.contains(current) }) && !outputs.contains(where: { $0.name == current }) {
                    rename(current, to: wanted)  // a node's output: give it the output's name
                } else {  // an input, an initializer or an output already named: copy through Identity
                    nodes.append(Graph.Node(op: OpKey(name: "Identity"), name: "Identity_\(nodes.count)", inputs: [current], outputs: [wanted]))
                }
                current = wanted
            }
            outputs.append(Graph.ValueInfo(name: current, dtype: tensor.dtype, shape: tensor.shape.map { .fixed($0) }))
        }
        return Graph(inputs: inputInfos, outputs: outputs, nodes: nodes, initializers: initializers)
    }
}
