import SplicerConfig

/// What a reload changes in one worker. Sessions already open keep the context they started
/// with, so they finish on the pool and server they chose.
struct WorkerUpdate {
  /// Every listener of the new config by name, with its new pool and counter row.
  let contexts: [String: ListenerContext]
  /// Listeners whose address changed: the old socket closes, a new one is in `added`.
  let rebound: Set<String>
  /// Old name → new name of listeners that keep their sockets under a new name.
  let renamed: [String: String]
  /// Newly bound sockets for this worker, which it now owns.
  let added: [(fd: Int32, context: ListenerContext)]
  let timeouts: Timeouts
  let accessLog: Bool
  let latency: LatencyRecorders
}
