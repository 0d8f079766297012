import PackagePlugin

/// Generates `<Target>Operators.swift` for a plugin target: the list of its `OperatorFamily`
/// types, so a new operator file is registered without editing a list.
@main
struct OperatorIndex: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let sources = target.sourceFiles(withSuffix: "swift").map(\.url)
        let output = context.pluginWorkDirectoryURL.appending(path: "OperatorIndex.swift")
        return [.buildCommand(displayName: "Indexing the operator families of \(target.name)",
                              executable: try context.tool(named: "operator-index").url,
                              arguments: [output.path(), "\(target.name)Operators"] + sources.map { $0.path() },
                              inputFiles: sources, outputFiles: [output])]
    }
}
