import ArgumentParser
import SplicerCore

/// The `splicer` command line: `run`, `check`, `upgrade` and `--version`.
@main
struct SplicerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "splicer",
    abstract: "A TCP reverse proxy that relays with splice(2): payload bytes never enter user space.",
    version: SplicerVersion.current,
    subcommands: [RunCommand.self, CheckCommand.self, UpgradeCommand.self],
    defaultSubcommand: RunCommand.self
  )

  /// ArgumentParser's `main`, but `splicer upgrade`'s usage errors exit 2, as its own checks
  /// do: its status is read by scripts, which tell 1 (the upgrade failed) from 2 (nothing was
  /// asked) from 3 (no answer). ArgumentParser's own is 64.
  static func main() {
    let arguments = Array(CommandLine.arguments.dropFirst())
    do {
      var command = try parseAsRoot(arguments)
      try command.run()
    } catch {
      if arguments.first == UpgradeCommand.configuration.commandName && exitCode(for: error) == .validationFailure {
        printToStandardError(fullMessage(for: error))
        exit(withError: ExitCode(UpgradeReport.usageExitStatus))
      }
      exit(withError: error)
    }
  }
}

/// The options every subcommand that reads a config file shares.
struct ConfigOptions: ParsableArguments {
  @Option(name: [.short, .long], help: "Path of the YAML config file.")
  var config: String = "/etc/splicer/splicer.yaml"
}

enum SplicerVersion {
  static let current = "0.1.0"
}
