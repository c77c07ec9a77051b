import Glibc
import Logging
import SplicerCore

extension RunCommand {
  /// After the privilege drop, so that the directory is watched as the user the process runs
  /// as; without the watch the proxy still runs and reloads on SIGHUP.
  func startConfigWatch(loaded: ConfigFileSnapshot, logger: Logger) {
    do {
      let watcher = try ConfigWatcher(path: options.config, loaded: loaded, logger: logger)
      try watcher.start()
      logger.notice("watching the config file", metadata: ["config": "\(options.config)"])
    } catch {
      logger.error(
        "cannot watch the config file; reload with SIGHUP",
        metadata: [
          "config": "\(options.config)", "uid": "\(getuid())", "error": "\(error)",
          "hint": "the config file's directory must be readable by the user splicer runs as",
        ])
    }
  }
}
