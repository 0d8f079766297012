#if canImport(Glibc)
import Glibc
#endif
import CPlexus

/// Registers a Swift plugin's definitions through the C registrar.
public struct PluginRegistrar {
    let raw: UnsafeMutablePointer<plx_plugin_registrar>
    /// Backend name given to kernels (e.g. "cpu").
    public let backend: String
    /// Default priority of those kernels.
    public let priority: Int

    /// Boxes kept alive for the life of the process (plugins are never unloaded).
    final class KernelBox {
        let definition: OpDefinition
        /// The kernel and the op's name, kept apart so a call reads two fields instead of
        /// copying the whole definition (a dozen references to retain and release).
        let compute: (KernelContext) throws -> Void
        let name: String
        init(_ definition: OpDefinition) {
            self.definition = definition
            compute = definition.compute
            name = definition.name
        }
    }

    final class RewriteBox {
        let definition: RewriteDefinition
        init(_ definition: RewriteDefinition) { self.definition = definition }
    }

    /// Registers a graph rewrite. A host older than plugin ABI 1.2 runs no plugin rewrites: the
    /// rewrite is then skipped (rewrites only make sessions faster).
    public func register(_ rewrite: RewriteDefinition) throws {
        let offset = MemoryLayout<plx_plugin_registrar>.offset(of: \plx_plugin_registrar.register_rewrite)!
        guard Int(raw.pointee.struct_size) >= offset + MemoryLayout<UnsafeRawPointer>.size,
              let registerRewrite = raw.pointee.register_rewrite else { return }
        var definition = plx_rewrite_def()
        definition.struct_size = UInt32(MemoryLayout<plx_rewrite_def>.size)
        definition.optimization = rewrite.optimization
        definition.phase = rewrite.phase.rawValue
        definition.user = Unmanaged.passRetained(RewriteBox(rewrite)).toOpaque()
        definition.rewrite = { graph, user in
            let rewrite = Unmanaged<RewriteBox>.fromOpaque(user!).takeUnretainedValue().definition
            return reportingErrors { try rewrite.body(PluginGraph(raw: graph)) }
        }
        let status = rewrite.name.withCString { name in
            definition.name = name
            return registerRewrite(raw, &definition)
        }
        try check(status, "rewrite \(rewrite.name)")
    }

    /// Registers the schema and the kernel of `definition`.
    public func register(_ definition: OpDefinition) throws {
        let box = Unmanaged.passRetained(KernelBox(definition)).toOpaque()
        try registerSchema(definition, box: box)
        try registerKernel(definition, box: box)
        if definition.gradient != nil { try registerGradient(definition, box: box) }
        if definition.decomposition != nil { try registerDecomposition(definition, box: box) }
    }

    private func registerGradient(_ definition: OpDefinition, box: UnsafeMutableRawPointer) throws {
        var gradient = plx_gradient_def()
        gradient.struct_size = UInt32(MemoryLayout<plx_gradient_def>.size)
        gradient.user = box
        gradient.gradient = { context, inputs, inputCount, outputs, outputCount, grads, attributes, user in
            let definition = Unmanaged<KernelBox>.fromOpaque(user!).takeUnretainedValue().definition
            return reportingErrors {
                func views(_ handles: UnsafePointer<OpaquePointer?>?, _ count: Int) -> [KernelTensor?] {
                    (0..<count).map { handles![$0].map(KernelTensor.init(handle:)) }
                }
                let rule = Gradient(raw: context, inputs: views(inputs, inputCount), outputs: views(outputs, outputCount),
                                    outputGradients: views(grads, outputCount), attributes: AttributeReader(handle: attributes))
                try definition.gradient!(rule)
            }
        }
        let status = definition.domain.withCString { domain in
            definition.name.withCString { name in
                gradient.domain = domain
                gradient.op = name
                return raw.pointee.register_gradient(raw, &gradient)
            }
        }
        try check(status, "gradient of \(definition.name)")
    }

    /// Registers only a kernel, for an op whose schema another plugin registers.
    public func registerKernel(_ definition: OpDefinition) throws {
        try registerKernel(definition, box: Unmanaged.passRetained(KernelBox(definition)).toOpaque())
    }

    private func check(_ status: Int32, _ what: String) throws {
        guard status == 0 else { throw PlexusError(StatusCode(rawValue: status) ?? .internal, "registering \(what) failed") }
    }

    private func registerSchema(_ definition: OpDefinition, box: UnsafeMutableRawPointer) throws {
        let defaults = try AttributeValue.makeHostAttributes(definition.attributes.compactMap { attribute in
            attribute.defaultValue.map { (attribute.name, $0) }
        })
        defer { Host.api.pointee.attrs_release(defaults) }
        let names = definition.attributes.map { strdup($0.name) }
        defer { names.forEach { free($0) } }
        let specs = zip(definition.attributes, names).map { attribute, name in
            plx_attr_spec(name: name, type: attribute.type.rawValue, required: attribute.required ? 1 : 0)
        }
        func bound(_ value: Int) -> Int32 { value == OpDefinition.variadic ? -1 : Int32(value) }
        let status = specs.withUnsafeBufferPointer { specs in
            var schema = plx_op_schema()
            schema.struct_size = UInt32(MemoryLayout<plx_op_schema>.size)
            schema.since_version = Int32(definition.sinceVersion)
            schema.flags = definition.isNondeterministic ? PLX_OP_NONDETERMINISTIC : 0
            schema.min_inputs = Int32(definition.inputs.lowerBound)
            schema.max_inputs = bound(definition.inputs.upperBound)
            schema.min_outputs = Int32(definition.outputs.lowerBound)
            schema.max_outputs = bound(definition.outputs.upperBound)
            schema.attrs = specs.baseAddress
            schema.n_attrs = specs.count
            schema.attr_defaults = defaults
            if definition.infer != nil {
                schema.infer = { context, attributes, user in
                    let definition = Unmanaged<KernelBox>.fromOpaque(user!).takeUnretainedValue().definition
                    return reportingErrors {
                        try definition.infer!(InferenceContext(raw: context, attributes: AttributeReader(handle: attributes)))
                    }
                }
                schema.infer_user = box
            }
            return definition.domain.withCString { domain in
                definition.name.withCString { name in
                    definition.doc.withCString { doc in
                        schema.domain = domain
                        schema.name = name
                        schema.doc = doc
                        return raw.pointee.register_op(raw, &schema)
                    }
                }
            }
        }
        try check(status, "operator \(definition.name)")
    }

    private func registerKernel(_ definition: OpDefinition, box: UnsafeMutableRawPointer) throws {
        var kernel = plx_kernel_def()
        kernel.struct_size = UInt32(MemoryLayout<plx_kernel_def>.size)
        kernel.priority = Int32(priority)
        for input in definition.inPlaceInputs where (0..<64).contains(input) { kernel.inplace_inputs |= 1 << UInt64(input) }
        kernel.user = box
        kernel.compute = { context, inputs, inputCount, attributes, user in
            let box = Unmanaged<KernelBox>.fromOpaque(user!).takeUnretainedValue()
            return reportingErrors {
                try box.compute(KernelContext(raw: context, inputs: inputs, inputCount: inputCount, attributes: attributes, op: box.name))
            }
        }
        if definition.supports != nil {
            kernel.supports = { dtypes, count, _, user in
                let definition = Unmanaged<KernelBox>.fromOpaque(user!).takeUnretainedValue().definition
                let types = (0..<count).map { dtypes![$0] == 0 ? nil : DType(rawValue: dtypes![$0]) }
                return definition.supports!(types) ? 1 : 0
            }
        }
        let status = definition.domain.withCString { domain in
            definition.name.withCString { name in
                backend.withCString { backend in
                    kernel.domain = domain
                    kernel.op = name
                    kernel.backend = backend
                    return raw.pointee.register_kernel(raw, &kernel)
                }
            }
        }
        try check(status, "\(self.backend) kernel of \(definition.name)")
    }
}

/// Who a plugin is, as declared to the host.
public struct PluginDescription {
    /// Unique plugin name.
    public var name: String
    /// Plugin version.
    public var version: String
    /// One of `PLX_PLUGIN_KIND_*`.
    public var kind: Int32
    /// SPDX identifier.
    public var license: String?
    /// One line.
    public var summary: String?
    /// Plugins that must be loaded first (`plx_plugin_info.required_plugins`).
    public var requires: [String]

    /// Describes a plugin.
    public init(name: String, version: String, kind: Int32, license: String? = nil, summary: String? = nil, requires: [String] = []) {
        self.name = name
        self.version = version
        self.kind = kind
        self.license = license
        self.summary = summary
        self.requires = requires
    }
}

/// The body of a Swift plugin's `plx_plugin_init`.
public enum PluginEntry {
    /// Checks the host's ABI, declares the plugin, runs `register` with a registrar for kernels
    /// of `backend`, and converts failures into a status with a message.
    public static func initialize(host: UnsafePointer<plx_host_api>?, registrar: UnsafeMutablePointer<plx_plugin_registrar>?,
                                  description: PluginDescription, backend: String, priority: Int = 0,
                                  register: (PluginRegistrar) throws -> Void) -> Int32 {
        guard let host, let registrar else { return StatusCode.invalidArgument.rawValue }
        guard host.pointee.abi_major == UInt32(PLX_PLUGIN_ABI_MAJOR) else { return StatusCode.abiMismatch.rawValue }
        Host.table = host
        return reportingErrors {
            let status = description.name.withCString { name in
                description.version.withCString { version in
                    withOptionalCString(description.license) { license in
                        withOptionalCString(description.summary) { summary in
                            var info = plx_plugin_info()
                            info.abi_major = UInt32(PLX_PLUGIN_ABI_MAJOR)
                            info.abi_minor = UInt32(PLX_PLUGIN_ABI_MINOR)
                            info.struct_size = UInt32(MemoryLayout<plx_plugin_info>.size)
                            info.kind = description.kind
                            info.name = name
                            info.version = version
                            info.license = license
                            info.description = summary
                            let names = description.requires.map { strdup($0) }
                            defer { names.forEach { free($0) } }
                            return names.map { UnsafePointer($0) }.withUnsafeBufferPointer { required in
                                info.required_plugins = required.baseAddress
                                info.n_required_plugins = required.count
                                return registrar.pointee.set_info(registrar, &info)
                            }
                        }
                    }
                }
            }
            guard status == 0 else { throw PlexusError(StatusCode(rawValue: status) ?? .internal, "set_info was refused") }
            try register(PluginRegistrar(raw: registrar, backend: backend, priority: priority))
        }
    }
}

private func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
