import ArgumentParser
import PlexusCore

/// `plexus plugins`: the loaded plugins with their kinds, backends and operator counts.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plugins", abstract: "List loaded plugins and their operators.")

    @Option(name: .customLong("load"), help: "Also load this plugin file (repeatable).")
    var extra: [String] = []

    @Option(help: "Write what each loaded plugin provides to this JSON file (plugins/index.json), used to name missing plugins in errors.")
    var writeIndex: String?

    func run() throws {
        PluginLoader.shared.discoverIfNeeded()
        for path in extra { try PluginLoader.shared.load(path: path) }
        if let writeIndex {
            try FileIO.write(Array(PluginIndex.ofLoadedPlugins().json.utf8), to: writeIndex)
            return
        }
        let plugins = OpRegistry.shared.plugins
        if plugins.isEmpty {
            print("no plugins loaded (searched: \(PluginLoader.shared.searchedLocations.joined(separator: ", ")))")
            return
        }
        let rows = plugins.map { plugin in
            [plugin.name, plugin.version, plugin.kind.description, plugin.backends.joined(separator: ","),
             "\(plugin.ops.count)", "\(plugin.layers.count)", plugin.path]
        }
        printTable(header: ["plugin", "version", "kind", "backends", "ops", "layers", "path"], rows: rows)
    }
}

/// `plexus ops`: every registered operator with its opset version and provider.
struct OpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ops", abstract: "List registered operators.")

    @Option(help: "Only operators of this plugin.")
    var plugin: String?

    func run() throws {
        PluginLoader.shared.discoverIfNeeded()
        let rows = OpRegistry.shared.opKeys.compactMap { key -> [String]? in
            guard let schema = OpRegistry.shared.schema(key), plugin == nil || schema.plugin == plugin else { return nil }
            let backends = OpRegistry.shared.kernels(for: key).map(\.backend).joined(separator: ",")
            return [key.domain.isEmpty ? "ai.onnx" : key.domain, key.name, "\(schema.sinceVersion)", schema.plugin, backends]
        }
        printTable(header: ["domain", "op", "since", "plugin", "kernels"], rows: rows)
    }
}

/// Prints rows as left-aligned columns.
func printTable(header: [String], rows: [[String]]) {
    tableLines(header: header, rows: rows).forEach { print($0) }
}

/// The lines of a table with left-aligned columns two spaces apart.
func tableLines(header: [String], rows: [[String]]) -> [String] {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
        }.joined(separator: "  ")
    }
}
