import CPlexus
import PlexusABI

/// Collects what one plugin registers during its init, without touching the registry, so that a
/// plugin whose init fails leaves nothing behind. Checks versions, names and duplicates as
/// registrations arrive and reports problems back to the plugin as status codes.
final class PluginRegistration {
    let path: String
    var info: (name: String, version: String, kind: PluginKind, license: String?, description: String?, requires: [String])?
    var refusal: PlexusError?
    /// A registration refused because another plugin owns the name: the load fails with this
    /// error even if the plugin ignored the refusal.
    var conflict: PlexusError?
    var schemas: [OpSchema] = []
    var kernels: [Kernel] = []
    var gradients: [(key: OpKey, rule: GradientRule)] = []
    var layers: [LayerType] = []
    var decompositions: [(key: OpKey, function: plx_kernel_fn, user: UnsafeMutableRawPointer?)] = []
    var rewrites: [PluginRewrite] = []
    /// Plugins this one requires (`plx_plugin_info.required_plugins`) that are not loaded: set_info was
    /// refused, and the loader loads them first or refuses the plugin naming them.
    var missingRequirements: [String] = []

    init(path: String) { self.path = path }

    /// The C registrar handed to `plx_plugin_init`; its `host_state` points back at `self`.
    func makeRegistrar() -> plx_plugin_registrar {
        var registrar = plx_plugin_registrar()
        registrar.abi_major = UInt32(PLX_PLUGIN_ABI_MAJOR)
        registrar.abi_minor = UInt32(PLX_PLUGIN_ABI_MINOR)
        registrar.struct_size = UInt32(MemoryLayout<plx_plugin_registrar>.size)
        registrar.host_state = Unmanaged.passUnretained(self).toOpaque()
        registrar.set_info = { reg, info in PluginRegistration.from(reg)?.report { try $0.setInfo(info) } ?? StatusCode.invalidArgument.rawValue }
        registrar.register_op = { reg, schema in PluginRegistration.from(reg)?.report { try $0.register(schema) } ?? StatusCode.invalidArgument.rawValue }
        registrar.register_kernel = { reg, kernel in PluginRegistration.from(reg)?.report { try $0.register(kernel) } ?? StatusCode.invalidArgument.rawValue }
        registrar.register_layer = { reg, layer in PluginRegistration.from(reg)?.report { try $0.register(layer) } ?? StatusCode.invalidArgument.rawValue }
        registrar.register_decomposition = { reg, def in PluginRegistration.from(reg)?.report { try $0.register(def) } ?? StatusCode.invalidArgument.rawValue }
        registrar.register_gradient = { reg, gradient in PluginRegistration.from(reg)?.report { try $0.register(gradient) } ?? StatusCode.invalidArgument.rawValue }
        registrar.register_rewrite = { reg, rewrite in PluginRegistration.from(reg)?.report { try $0.register(rewrite) } ?? StatusCode.invalidArgument.rawValue }
        return registrar
    }

    static func from(_ reg: UnsafeMutablePointer<plx_plugin_registrar>?) -> PluginRegistration? {
        guard let state = reg?.pointee.host_state else { return nil }
        return Unmanaged<PluginRegistration>.fromOpaque(state).takeUnretainedValue()
    }

    /// Runs a registrar call; failures go to the plugin as a status and to its error slot.
    fileprivate func report(_ body: (PluginRegistration) throws -> Void) -> Int32 {
        do {
            try body(self)
            return StatusCode.ok.rawValue
        } catch let error as PlexusError {
            if error.code == .alreadyExists && conflict == nil { conflict = error }
            ThreadErrors.setPluginError(code: error.code.rawValue, message: error.message)
            return error.code.rawValue
        } catch {
            return StatusCode.internal.rawValue
        }
    }

    private func setInfo(_ info: UnsafePointer<plx_plugin_info>?) throws {
        guard let info else { throw PlexusError.invalid("plugin info is NULL") }
        let major = info.pointee.abi_major
        if major != UInt32(PLX_PLUGIN_ABI_MAJOR) {
            let error = PlexusError(.abiMismatch,
                                    "plugin was built for plugin ABI \(major).\(info.pointee.abi_minor), " +
                                    "this host provides \(PLX_PLUGIN_ABI_MAJOR).\(PLX_PLUGIN_ABI_MINOR)")
            refusal = error
            throw error
        }
        guard self.info == nil else { throw PlexusError.invalid("set_info was called twice") }
        let given = try Self.definition(info, "plugin info", \.struct_size, type: "plx_plugin_info", since: \.required_plugins)
        let name = try CAttributeFunctions.string(given.name, "plugin name")
        let version = try CAttributeFunctions.string(given.version, "plugin version")
        guard !name.isEmpty else { throw PlexusError.invalid("plugin name is empty") }
        guard let kind = PluginKind(rawValue: given.kind) else { throw PlexusError.invalid("unknown plugin kind \(given.kind)") }
        guard given.n_required_plugins <= 64 else { throw PlexusError.invalid("plugin \(name) requires \(given.n_required_plugins) plugins (at most 64)") }
        let requires = try CAttributeFunctions.array(given.required_plugins, given.n_required_plugins, "required_plugins") {
            try CAttributeFunctions.string($0, "a name in required_plugins")
        }
        let loaded = Set(OpRegistry.shared.plugins.map(\.name))
        missingRequirements = requires.filter { !loaded.contains($0) }
        if !missingRequirements.isEmpty {
            throw PlexusError(.notFound, "plugin '\(name)' requires plugin(s) \(missingRequirements.map { "'\($0)'" }.joined(separator: ", ")), "
                              + "which are not loaded")
        }
        self.info = (name, version, kind, given.license.map { String(cString: $0) }, given.description.map { String(cString: $0) }, requires)
    }

    private var pluginName: String {
        get throws {
            if let refusal { throw refusal }
            guard let info else { throw PlexusError.invalid("the plugin must call set_info before registering anything") }
            return info.name
        }
    }

    /// The struct a plugin passed, after checking it is not NULL and its `struct_size` covers
    /// this host's layout (the ABI's versioning rule for every definition struct). A struct that
    /// grew in a later minor (`since`: its first appended field) may come from an older plugin
    /// that ends before that field: it is read up to its `struct_size` and the rest is zero,
    /// which every appended field takes to mean "not given".
    private static func definition<Definition>(_ pointer: UnsafePointer<Definition>?, _ what: String,
                                               _ structSize: KeyPath<Definition, UInt32>, type: String,
                                               since appended: PartialKeyPath<Definition>? = nil) throws -> Definition {
        guard let pointer else { throw PlexusError.invalid("\(what) is NULL") }
        let size = Int(UnsafeRawPointer(pointer).load(fromByteOffset: MemoryLayout<Definition>.offset(of: structSize)!, as: UInt32.self))
        let minimum = appended.flatMap { MemoryLayout<Definition>.offset(of: $0) } ?? MemoryLayout<Definition>.size
        guard size >= minimum else { throw PlexusError.invalid("\(type).struct_size \(size) is too small") }
        guard size < MemoryLayout<Definition>.size else { return pointer.pointee }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<Definition>.size, alignment: MemoryLayout<Definition>.alignment)
        defer { copy.deallocate() }
        copy.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<Definition>.size)
        copy.copyMemory(from: pointer, byteCount: size)
        return copy.load(as: Definition.self)
    }

    /// The op key of a definition's domain (NULL = default) and name.
    private static func key(_ domain: UnsafePointer<CChar>?, _ name: UnsafePointer<CChar>?, _ what: String) throws -> OpKey {
        OpKey(domain: domain.map { String(cString: $0) } ?? "", name: try CAttributeFunctions.string(name, what))
    }

    private func register(_ schema: UnsafePointer<plx_op_schema>?) throws {
        let plugin = try pluginName
        let s = try Self.definition(schema, "schema", \.struct_size, type: "plx_op_schema", since: \.flags)
        let key = try Self.key(s.domain, s.name, "op name")
        guard !key.name.isEmpty else { throw PlexusError.invalid("op name is empty") }
        guard s.min_inputs >= 0, s.min_outputs >= 1,
              s.max_inputs == -1 || s.max_inputs >= s.min_inputs,
              s.max_outputs == -1 || s.max_outputs >= s.min_outputs
        else { throw PlexusError.invalid("\(key): inconsistent input/output counts") }
        let specs = try Self.specs(s.attrs, s.n_attrs, owner: "\(key)")
        let defaults = try Self.defaults(s.attr_defaults, specs: specs, owner: "\(key)")
        guard !schemas.contains(where: { $0.key == key }) else {
            throw PlexusError(.alreadyExists, "operator \(key) is registered twice by this plugin")
        }
        try OpRegistry.shared.checkFree(schema: key)
        func bound(_ value: Int32) -> Int { value < 0 ? unboundedArity : Int(value) }
        schemas.append(OpSchema(key: key, sinceVersion: Int(s.since_version),
                                inputs: Int(s.min_inputs)...bound(s.max_inputs),
                                outputs: Int(s.min_outputs)...bound(s.max_outputs),
                                attributes: specs, defaults: defaults,
                                doc: s.doc.map { String(cString: $0) } ?? "",
                                isDeterministic: s.flags & PLX_OP_NONDETERMINISTIC == 0, plugin: plugin,
                                gradient: nil, infer: s.infer, inferUser: s.infer_user))
    }

    private func register(_ kernel: UnsafePointer<plx_kernel_def>?) throws {
        let plugin = try pluginName
        let k = try Self.definition(kernel, "kernel", \.struct_size, type: "plx_kernel_def", since: \.inplace_inputs)
        let key = try Self.key(k.domain, k.op, "kernel op name")
        let backend = try CAttributeFunctions.string(k.backend, "kernel backend")
        guard !backend.isEmpty else { throw PlexusError.invalid("\(key): backend name is empty") }
        guard let compute = k.compute else { throw PlexusError.invalid("\(key): kernel has no compute function") }
        guard !kernels.contains(where: { $0.key == key && $0.backend == backend }) else {
            throw PlexusError(.alreadyExists, "a \(backend) kernel for \(key) is registered twice by this plugin")
        }
        try OpRegistry.shared.checkFree(kernel: key, backend: backend)
        let inPlace = (0..<64).filter { k.inplace_inputs & (1 << UInt64($0)) != 0 }
        kernels.append(Kernel(key: key, backend: backend, priority: Int(k.priority), plugin: plugin,
                              supports: k.supports, compute: compute, user: k.user, inPlaceInputs: inPlace, sequence: 0))
    }

    private func register(_ gradient: UnsafePointer<plx_gradient_def>?) throws {
        let plugin = try pluginName
        let g = try Self.definition(gradient, "gradient definition", \.struct_size, type: "plx_gradient_def")
        let key = try Self.key(g.domain, g.op, "gradient op name")
        guard let function = g.gradient else { throw PlexusError.invalid("\(key): gradient function is NULL") }
        guard schemas.contains(where: { $0.key == key }) || OpRegistry.shared.schema(key) != nil else {
            throw PlexusError(.notFound, "gradient for \(key), which has no registered schema")
        }
        guard !gradients.contains(where: { $0.key == key }), OpRegistry.shared.schema(key)?.gradient == nil else {
            throw PlexusError(.alreadyExists, "operator \(key) already has a gradient")
        }
        gradients.append((key, GradientContext.rule(function, user: g.user, op: key, plugin: plugin)))
    }

    private func register(_ layer: UnsafePointer<plx_layer_def>?) throws {
        let plugin = try pluginName
        let l = try Self.definition(layer, "layer definition", \.struct_size, type: "plx_layer_def")
        let name = try CAttributeFunctions.string(l.name, "layer name")
        guard !name.isEmpty else { throw PlexusError.invalid("layer name is empty") }
        guard let create = l.create, let forward = l.forward else { throw PlexusError.invalid("layer \(name) needs create and forward") }
        guard l.min_inputs >= 0, l.min_outputs >= 1, l.max_inputs == -1 || l.max_inputs >= l.min_inputs,
              l.max_outputs == -1 || l.max_outputs >= l.min_outputs
        else { throw PlexusError.invalid("layer \(name): inconsistent input/output counts") }
        let specs = try Self.specs(l.attrs, l.n_attrs, owner: "layer \(name)")
        let defaults = try Self.defaults(l.attr_defaults, specs: specs, owner: "layer \(name)")
        guard !layers.contains(where: { $0.name == name }), OpRegistry.shared.layerProvider(name) == nil else {
            throw PlexusError(.alreadyExists, "layer type \(name) is already registered by plugin '\(OpRegistry.shared.layerProvider(name) ?? plugin)'")
        }
        func bound(_ value: Int32) -> Int { value < 0 ? unboundedArity : Int(value) }
        layers.append(LayerType(name: name, attributes: specs, defaults: defaults,
                                inputs: Int(l.min_inputs)...bound(l.max_inputs), outputs: Int(l.min_outputs)...bound(l.max_outputs),
                                doc: l.doc.map { String(cString: $0) } ?? "", plugin: plugin,
                                create: create, forward: forward, destroy: l.destroy, user: l.user))
    }

    private func register(_ decomposition: UnsafePointer<plx_decomposition_def>?) throws {
        _ = try pluginName
        let d = try Self.definition(decomposition, "decomposition definition", \.struct_size, type: "plx_decomposition_def")
        let key = try Self.key(d.domain, d.op, "op name")
        guard let function = d.decompose else { throw PlexusError.invalid("\(key): decomposition function is NULL") }
        guard schemas.contains(where: { $0.key == key }) || OpRegistry.shared.schema(key) != nil else {
            throw PlexusError(.notFound, "decomposition for \(key), which has no registered schema")
        }
        guard !decompositions.contains(where: { $0.key == key }), OpRegistry.shared.schema(key)?.decomposition == nil else {
            throw PlexusError(.alreadyExists, "operator \(key) already has a decomposition")
        }
        decompositions.append((key, function, d.user))
    }

    private func register(_ rewrite: UnsafePointer<plx_rewrite_def>?) throws {
        let plugin = try pluginName
        let r = try Self.definition(rewrite, "rewrite definition", \.struct_size, type: "plx_rewrite_def")
        let name = try CAttributeFunctions.string(r.name, "rewrite name")
        guard !name.isEmpty else { throw PlexusError.invalid("rewrite name is empty") }
        guard let function = r.rewrite else { throw PlexusError.invalid("rewrite \(name): rewrite function is NULL") }
        guard let phase = PluginRewrite.Phase(rawValue: r.phase) else { throw PlexusError.invalid("rewrite \(name): unknown phase \(r.phase)") }
        let optimization = r.optimization == 0 ? GraphOptimizations.backendRewrites : GraphOptimizations(rawValue: r.optimization)
        guard optimization.rawValue.nonzeroBitCount == 1, GraphOptimizations.rewrites.contains(optimization) else {
            throw PlexusError.invalid("rewrite \(name): optimization must be one PLX_OPTIMIZE_* rewrite bit "
                                      + "(\(GraphOptimizations.rewrites.rawValue) holds them) or 0, got \(r.optimization)")
        }
        guard !rewrites.contains(where: { $0.name == name }), !PluginRewrites.contains(plugin: plugin, name: name) else {
            throw PlexusError(.alreadyExists, "plugin \(plugin) registers rewrite \(name) twice")
        }
        rewrites.append(PluginRewrite(plugin: plugin, name: name, optimization: optimization, phase: phase, function: function, user: r.user))
    }

    /// Copies C attribute specs.
    static func specs(_ pointer: UnsafePointer<plx_attr_spec>?, _ count: Int, owner: String) throws -> [AttributeSpec] {
        try CAttributeFunctions.array(pointer, count, "attrs") { spec in
            guard let type = AttributeType(rawValue: spec.type) else {
                throw PlexusError.invalid("\(owner): attribute has unknown type \(spec.type)")
            }
            return AttributeSpec(name: try CAttributeFunctions.string(spec.name, "attribute name"), type: type, required: spec.required != 0)
        }
    }

    /// Copies C attribute defaults, which may only name declared attributes.
    static func defaults(_ given: OpaquePointer?, specs: [AttributeSpec], owner: String) throws -> Attributes {
        let defaults = Attributes()
        guard let given else { return defaults }
        let source = Attributes.from(given)
        for name in source.names {
            guard specs.contains(where: { $0.name == name }) else {
                throw PlexusError.invalid("\(owner): default given for undeclared attribute '\(name)'")
            }
            defaults[name] = source[name]
        }
        return defaults
    }

    /// The record of the plugin once init succeeded.
    func record() throws -> PluginRecord {
        if let refusal { throw refusal }
        guard let info else { throw PlexusError(.pluginFailed, "plugin returned from init without calling set_info") }
        let ops = Set(schemas.map(\.key) + kernels.map(\.key)).sorted()
        return PluginRecord(name: info.name, version: info.version, kind: info.kind, license: info.license,
                            description: info.description, path: path, ops: ops,
                            backends: Set(kernels.map(\.backend)).sorted(), layers: layers.map(\.name).sorted(),
                            requires: info.requires)
    }
}
