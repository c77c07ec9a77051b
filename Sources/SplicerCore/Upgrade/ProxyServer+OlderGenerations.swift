import SplicerConfig
import SplicerRouting

/// The new process of a live upgrade: listener contexts of the config generations older than
/// the running one, for the sessions the old process had accepted before its last reloads
/// (design §4.3). Each session keeps the context it was accepted with, as in the old process.
extension ProxyServer {
  /// Builds every listener's context of each of `generations` (not the running one), with
  /// its own routing table and fallback files, the counter rows of this proxy's layout
  /// (restored from the old process, so every name already has its row) and the listener
  /// limits shared by name, as a reload keeps them.
  ///
  /// Host-name servers of those generations get addresses resolved now; the resolver keeps
  /// refreshing only the running generation's names afterwards, as the old process did.
  func contexts(ofOlder generations: [ConfigGeneration]) throws -> [ListenerContext] {
    guard !generations.isEmpty else { return [] }
    let running = state
    let runningNames = RoutingTable.hostNames(in: running.configuration)
    let names = generations.flatMap { RoutingTable.hostNames(in: $0.configuration) } + runningNames
    let resolved = resolver.prepare(names)
    defer { _ = resolver.prepare(runningNames) }
    var layout = running.layout
    var contexts: [ListenerContext] = []
    for generation in generations {
      let configuration = generation.configuration
      let routing = try Self.routingTable(for: configuration, layout: &layout, resolved: resolved)
      let fallbacks = try Self.openFallbacks(configuration)
      for listener in configuration.listeners {
        contexts.append(
          try Self.context(
            for: listener, routing: routing, fallbacks: fallbacks, limits: &limits, layout: &layout,
            generation: generation))
      }
    }
    return contexts
  }
}
