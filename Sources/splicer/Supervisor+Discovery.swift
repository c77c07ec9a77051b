import SplicerConfig
import SplicerCore
import SplicerResolution

extension Supervisor {
  /// Applies the running configuration with each `discover` pool's latest set through the
  /// reload executor: all or nothing, servers that stay keep their health and counters,
  /// removed ones get no new connections while their open ones finish. The file is not read
  /// again, and `splicer_config_reloads_total` does not count it.
  func applyDiscovered() {
    let running = server.state.configuration
    let updated = discovery.applied(to: running)
    guard updated != running else { return }
    do {
      let summary = try server.reload(to: updated)
      logger.notice("discovered servers applied", metadata: ["changes": "\(summary)"])
    } catch {
      // The running servers stay; the next change (or SIGHUP) tries again.
      logger.error("applying discovered servers failed", metadata: ["error": "\(error)"])
    }
  }
}
