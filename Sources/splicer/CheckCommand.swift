import ArgumentParser
import SplicerConfig

/// `splicer check`: validates a config file and exits non-zero with the error, like
/// `nginx -t` or `haproxy -c`.
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
    } catch {
      printToStandardError("\(error)")
      throw ExitCode(1)
    }
  }
}
