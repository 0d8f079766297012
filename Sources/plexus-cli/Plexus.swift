import ArgumentParser
import PlexusCore

/// The `plexus` command: inspect plugins and operators, and run demos.
@main
struct PlexusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plexus",
        abstract: "Plexus: build, train and run neural networks.",
        subcommands: [TrainCommand.self, RunCommand.self, BenchCommand.self, InfoCommand.self, CheckCommand.self, PluginsCommand.self, OpsCommand.self]
    )
}
