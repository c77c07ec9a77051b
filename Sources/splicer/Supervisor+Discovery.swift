import SplicerConfig
import SplicerCore
import SplicerResolution

extension Supervisor {
  /// Applies the running configuration with each `discover` pool's latest set through the
  /// reload executor: all or nothing, servers that stay keep their health and counters,
  /// removed ones get no new connections while their open ones finish. The file is not read
  /// again, and `splicer_config_reloads_total` does not count it. The new generation keeps
  /// the running one's source, with the new sets.
  func applyDiscovered() {
    let running = server.state
    let updated = discovery.applied(to: running.configuration)
    guard updated != running.configuration else { return }
    let generation = ConfigGeneration(
      number: running.generation.number + 1, source: running.generation.source, configuration: updated)
    do {
      let summary = try server.reload(to: generation)
      logger.notice("discovered servers applied", metadata: ["changes": "\(summary)"])
    } catch {
      // The running servers stay; the next change (or SIGHUP) tries again.
      logger.error("applying discovered servers failed", metadata: ["error": "\(error)"])
    }
  }
}
