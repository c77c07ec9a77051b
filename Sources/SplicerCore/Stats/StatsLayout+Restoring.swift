import SplicerConfig

/// A layout carried into a new process (live upgrade): the old rows first, at the same
/// numbers, so that counters, health and sessions' `counterRow`s and `Backend.id`s sent by
/// the old process mean the same rows; then the rows the new process's own config adds.
extension StatsLayout {
  /// The old layout's names in row order, then the rows `configuration` needs that it lacks.
  ///
  /// The capacities are at least the old ones, and at least what a process started with the
  /// old rows and `configuration` together would get (`sized`), so the new rows always fit:
  /// starting a new process is also the way out of the "more rows than the process can
  /// count" reload refusal. Nil when the old names repeat one (they did not come from a
  /// `StatsLayout`), since a row would then move.
  /// - Parameter configuration: the config the new process loaded, discovered servers
  ///   applied.
  public init?(
    restoringListeners listeners: [String], servers: [(pool: String, server: String)], listenerCapacity: Int,
    serverCapacity: Int, adding configuration: Configuration
  ) {
    let configured = configuration.pools.reduce(0) { $0 + $1.servers.count }
    let room = StatsLayout.sized(
      forListeners: listeners.count + configuration.listeners.count, servers: servers.count + configured)
    self.init(
      listenerCapacity: max(listenerCapacity, room.listenerCapacity),
      serverCapacity: max(serverCapacity, room.serverCapacity))
    for (row, name) in listeners.enumerated() {
      guard listenerRow(name) == row else { return nil }
    }
    for (row, server) in servers.enumerated() {
      guard serverRow(pool: server.pool, server: server.server) == row else { return nil }
    }
    // Cannot fail: the capacities leave room for every listener and server of the config.
    for listener in configuration.listeners { _ = listenerRow(listener.name) }
    for pool in configuration.pools {
      for server in pool.servers { _ = serverRow(pool: pool.name, server: server.address.description) }
    }
  }
}
