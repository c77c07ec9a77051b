import SplicerConfig

/// The new process's half of `RunningConfig` (design §4.3): every live generation of the old
/// process loaded again with this binary's loader, and the old `StatsLayout` restored, so that
/// counter rows and `Backend.id`s are the old process's numbers.
///
/// Made by whoever receives the record (the upgrade receiver) and given to
/// `ProxyServer.init(adopting:)`. It holds the older generations, which only moved sessions
/// refer to: keep it until those sessions are adopted.
public struct RebuiltRunningConfig: Sendable {
  /// Every live generation, oldest first; the last is the running one, with the old
  /// process's worker count.
  public let generations: [ConfigGeneration]
  /// The old rows at their numbers, then any the running generation lacks.
  public let layout: StatsLayout

  /// The running generation, which the new process starts as.
  public var running: ConfigGeneration { generations[generations.count - 1] }

  /// Throws `ConfigError` when this binary's loader rejects a generation's bytes (the
  /// upgrade refuses with `runningConfigUnreadable`), and `RunningConfigError` for a record
  /// that could not have come from a running proxy.
  public init(_ record: RunningConfigRecord) throws {
    guard !record.generations.isEmpty else { throw RunningConfigError(message: "no config generation") }
    guard record.workers > 0 else { throw RunningConfigError(message: "no workers") }
    var generations: [ConfigGeneration] = []
    for generation in record.generations {
      var discovered: [String: [ServerConfig]] = [:]
      for pool in generation.discovered {
        discovered[pool.pool] = try pool.servers.map { server in
          do {
            return ServerConfig(
              address: try ServerAddress(parsing: server.address), drain: server.drain,
              weight: Int(server.weight), backup: server.backup, maxConnections: server.maxConnections.map(Int.init))
          } catch {
            throw RunningConfigError(message: "pool \(pool.pool): server \(server.address): \(error)")
          }
        }
      }
      generations.append(
        try ConfigGeneration.rebuilt(
          number: generation.number, source: ConfigSource(path: generation.path, bytes: generation.yaml),
          discovered: discovered))
    }
    // The running generation's settings that only a restart applies are the old process's
    // (a discovered change keeps them; the file may say otherwise): the worker count is sent.
    let last = generations.removeLast()
    var configuration = last.configuration
    configuration.workers = Int(record.workers)
    generations.append(ConfigGeneration(number: last.number, source: last.source, configuration: configuration))
    guard
      let layout = StatsLayout(
        restoringListeners: record.listenerRows, servers: record.serverRows.map { ($0.pool, $0.address) },
        listenerCapacity: Int(record.listenerCapacity), serverCapacity: Int(record.serverCapacity),
        adding: configuration)
    else { throw RunningConfigError(message: "the counter layout names a row twice") }
    self.generations = generations
    self.layout = layout
  }
}
