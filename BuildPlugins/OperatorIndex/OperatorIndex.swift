import Foundation
import PackagePlugin

/// Generates `<Target>Operators` for a plugin target: the list of its `OperatorFamily` types, so
/// a new operator file is registered without editing a list. The work is done by
/// `operator-index.sh` beside this file (why a script: see its header).
@main
struct OperatorIndex: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let sources = target.sourceFiles(withSuffix: "swift").map(\.url)
        let script = context.package.directoryURL.appending(path: "BuildPlugins/OperatorIndex/operator-index.sh")
        let output = context.pluginWorkDirectoryURL.appending(path: "OperatorIndex.swift")
        return [.buildCommand(displayName: "Indexing the operator families of \(target.name)",
                              executable: URL(fileURLWithPath: "/bin/sh"),
                              arguments: [script.path(), output.path(), "\(target.name)Operators"] + sources.map { $0.path() },
                              inputFiles: sources + [script], outputFiles: [output])]
    }
}
