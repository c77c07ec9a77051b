import ArgumentParser

/// The `splicer` command line: `run`, `check` and `--version`.
@main
struct SplicerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "splicer",
    abstract: "A TCP reverse proxy that relays with splice(2): payload bytes never enter user space.",
    version: SplicerVersion.current,
    subcommands: [RunCommand.self, CheckCommand.self],
    defaultSubcommand: RunCommand.self
  )
}

/// The options every subcommand that reads a config file shares.
struct ConfigOptions: ParsableArguments {
  @Option(name: [.short, .long], help: "Path of the YAML config file.")
  var config: String = "/etc/splicer/splicer.yaml"
}

enum SplicerVersion {
  static let current = "0.1.0"
}
