/// What each plugin file provides, written by `plexus plugins --write-index` into
/// `plugins/index.json` when the plugins are built. When an op or layer type is missing, the
/// index says which plugin would provide it, so the error can name it ("provided by plugin
/// 'cnn', which is not loaded") without the core knowing any plugin by name.
public struct PluginIndex: Sendable {
    /// One plugin's entry: its name, file and what it registers.
    public struct Entry: Sendable {
        /// Plugin name.
        public var name: String
        /// File name of the plugin library.
        public var file: String
        /// Operators it registers.
        public var ops: [OpKey]
        /// Layer types it registers.
        public var layers: [String]
    }

    /// The plugins, in load order.
    public var entries: [Entry]

    /// The index of the loaded plugins.
    public static func ofLoadedPlugins() -> PluginIndex {
        let layerTypes = OpRegistry.shared.layerTypes
        return PluginIndex(entries: OpRegistry.shared.plugins.map { plugin in
            Entry(name: plugin.name, file: String(plugin.path.split(separator: "/").last ?? ""), ops: plugin.ops,
                  layers: layerTypes.values.filter { $0.plugin == plugin.name }.map(\.name).sorted())
        })
    }

    /// The index as JSON.
    public var json: String {
        JSON.object([("plugins", .array(entries.map { entry in
            .object([("name", .string(entry.name)), ("file", .string(entry.file)),
                     ("ops", .array(entry.ops.map { .array([.string($0.domain), .string($0.name)]) })),
                     ("layers", .array(entry.layers.map { .string($0) }))])
        }))]).serialized
    }

    /// Reads an index; nil when the file is missing or malformed (the index only improves messages).
    public static func read(_ path: String) -> PluginIndex? {
        guard let bytes = try? FileIO.read(path), let root = try? JSON.parse(String(decoding: bytes, as: UTF8.self)),
              case .array(let plugins)? = root["plugins"] else { return nil }
        return PluginIndex(entries: plugins.compactMap { plugin in
            guard case .string(let name)? = plugin["name"], case .string(let file)? = plugin["file"],
                  case .array(let ops)? = plugin["ops"], case .array(let layers)? = plugin["layers"] else { return nil }
            return Entry(name: name, file: file, ops: ops.compactMap { op in
                guard case .array(let parts) = op, parts.count == 2, case .string(let domain) = parts[0], case .string(let opName) = parts[1]
                else { return nil }
                return OpKey(domain: domain, name: opName)
            }, layers: layers.compactMap { if case .string(let layer) = $0 { return layer } else { return nil } })
        })
    }

    /// The entry of the plugin providing `key`.
    public func provider(of key: OpKey) -> Entry? { entries.first { $0.ops.contains(key) } }

    /// The entry of the plugin providing layer type `name`.
    public func provider(ofLayer name: String) -> Entry? { entries.first { $0.layers.contains(name) } }
}

extension PluginLoader {
    /// The index beside the plugins (`plugins/index.json` next to the image holding the core), if any.
    public static let index: PluginIndex? = imageDirectory().flatMap { PluginIndex.read($0 + "/plugins/index.json") }

    /// ", provided by plugin 'x' (file), which is not loaded …" when the index knows a provider.
    static func notLoadedHint(_ provider: PluginIndex.Entry?) -> String {
        guard let provider else { return "" }
        return ": it is provided by plugin '\(provider.name)' (\(provider.file)), which is not loaded; " +
            "load it with plx_plugin_load or put it in a plugins folder"
    }
}
