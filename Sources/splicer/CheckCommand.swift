import ArgumentParser
import SplicerConfig
import SplicerCore

/// `splicer check`: validates a config file and exits non-zero with the error, like
/// `nginx -t` or `haproxy -c`. A valid file also gets its capacity plan: what it can need at
/// its limits against what this machine allows, each shortfall with the setting to change
/// (warnings do not change the exit status: the file is valid).
struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Validate a config file and print the first error with its file and line."
  )

  @OptionGroup var options: ConfigOptions

  func run() throws {
    do {
      let configuration = try ConfigLoader.load(path: options.config)
      print(
        "\(options.config): OK (listeners: \(configuration.listeners.count), pools: \(configuration.pools.count), "
          + "workers: \(configuration.workers))")
      for finding in CapacityPlan(configuration: configuration, limits: .current()).findings { print(finding) }
    } catch {
      printToStandardError("\(error)")
      throw ExitCode(1)
    }
  }
}
