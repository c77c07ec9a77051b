import Logging
import SplicerConfig
import SplicerHealth
import SplicerSystem

/// The new process of a live upgrade (design §4.3, §5.2, §12): a proxy built from the old
/// process's running config and listening sockets, then seeded with its counters and health.
extension ProxyServer {
  /// A proxy running `config.running` with the old process's counter rows, its workers
  /// given the passed listening sockets (each the socket of the old worker of the same
  /// index). Binds nothing, registers nothing and starts no thread: `start` does, after the
  /// commit. Until then the descriptors change no kernel state, so the old process can still
  /// take everything back.
  ///
  /// - Parameter listeners: the `Listeners` records; the admin record (`isAdmin`) is not
  ///   taken here.
  /// - Parameter resolverAnswers: the old process's `resolverAnswers`: a host name whose
  ///   lookup fails here keeps the old process's last good answer.
  /// - Parameter descriptors: the received descriptors, indexed by the records' references.
  ///   They stay the caller's (the upgrade's `AdoptionLedger`) until `start` hands them to the
  ///   workers, which close them when they stop; a proxy that is never started leaves them to
  ///   the caller, so an abort closes each once.
  /// Throws `ProxyStartError` when the records do not match the running config's listeners
  /// (one record per listener by name, one socket per worker, and no other listener record).
  public convenience init(
    adopting config: RebuiltRunningConfig, listeners: [ListenerRecord], descriptors: [Int32],
    resolverAnswers: [String: [SocketAddress]] = [:], logger: Logger
  ) throws {
    try self.init(
      generation: config.running, logger: logger, layout: config.layout,
      sockets: .adopt(records: listeners, descriptors: descriptors), resolverSeed: resolverAnswers)
    // The older generations are listed while the sessions adopted into them live.
    for generation in config.generations.dropLast() { generations.add(generation) }
  }

  /// Adds the old process's counter sums into worker 0's tables and writes its server
  /// health into the board. Call it before `start`: worker 0's thread is then the tables'
  /// one writer, and the health checker begins from the carried status.
  public func seed(counters: WorkerStats.Seed, health rows: [HealthBoard.SeedRow]) {
    stats[0].seed(counters)
    health.seed(rows)
  }

  /// `seed(counters:health:)` from the wire records.
  public func seed(counters: [CounterSnapshot], health snapshot: HealthSnapshot) {
    seed(counters: CounterSnapshot.seed(from: counters), health: snapshot.seedRows)
  }
}
