import SplicerConfig

/// One loaded configuration the proxy has run: its number, the bytes it was loaded from and
/// the discovered server sets applied to it, with the `Configuration` they make.
///
/// Made on the main thread for each successful load (`RunCommand` at start, `Supervisor` on
/// SIGHUP and on discovered servers) and referenced by every `ListenerContext` built from it,
/// so ARC keeps it alive as long as a listener or an open session uses it; no registry on the
/// data path. `ProxyServer` lists the live ones through weak references (`liveGenerations`).
/// A live upgrade sends each live generation's source and sets, and the new process builds
/// the same contexts, counter rows and server ids from them (`rebuilt`). Immutable.
public final class ConfigGeneration: Sendable {
  /// Counts the loads of this process from 1; a newer generation has a larger number.
  public let number: UInt64
  /// The path and the exact bytes the configuration was loaded from.
  public let source: ConfigSource
  /// What the proxy was given for this generation: the loaded file with the discovered sets.
  /// For a discovered change, the running configuration with the new sets, so its settings
  /// that only a restart applies (`workers`, `tuning`, `admin`, privileges, log level and
  /// format; see `ReloadPlan`) are the running ones and may differ from the file's; nothing
  /// built into a `ListenerContext` does.
  public let configuration: Configuration

  /// - Parameter configuration: loaded from `source`, with `discover` pools' servers filled
  ///   in by discovery; those sets are what `discovered` reports.
  public init(number: UInt64, source: ConfigSource, configuration: Configuration) {
    self.number = number
    self.source = source
    self.configuration = configuration
  }

  /// The servers applied to each `discover` pool, by pool name (a pool without a good
  /// answer yet maps to no servers).
  public var discovered: [String: [ServerConfig]] {
    Dictionary(
      configuration.pools.compactMap { pool in pool.discover.map { _ in (pool.name, pool.servers) } },
      uniquingKeysWith: { first, _ in first })
  }

  /// The generation `source` and `discovered` make, loaded again without the file; with the
  /// same loader, the configuration equals the one they were taken from (but for the
  /// restart-only settings of a discovered change, see `configuration`).
  /// Throws the loader's error for bytes this loader does not accept.
  public static func rebuilt(
    number: UInt64, source: ConfigSource, discovered: [String: [ServerConfig]]
  ) throws(ConfigError) -> ConfigGeneration {
    var configuration = try ConfigLoader.load(source: source)
    for index in configuration.pools.indices where configuration.pools[index].discover != nil {
      // As `ServiceDiscovery.applied(to:)`: a pool without a set keeps what the file gave it.
      if let servers = discovered[configuration.pools[index].name] {
        configuration.pools[index].servers = servers
      }
    }
    return ConfigGeneration(number: number, source: source, configuration: configuration)
  }
}
