import SplicerConfig

/// Chooses the server for each new connection of one pool, with the pool's `balance:` algorithm.
///
/// One per pool per worker, owned by the worker and replaced on reload; it holds only the
/// algorithm's state (smooth round-robin weights, a tie-break position, a random generator)
/// and never blocks or allocates on the heap when picking. Health, draining and connection
/// counts belong to the relay, which reports them per pick through `ServerEligibility`.
///
/// Tiers: the primary servers (`backup == false`) are considered first. The backups are
/// considered only when no primary is *up*, i.e. every primary is down or draining. A primary
/// that is merely full still counts as up, so a busy pool makes new connections wait
/// (`.allFull`) instead of spilling them onto the backups; backups stand in for failed servers,
/// not for capacity. (HAProxy uses backups the same way: only once all primaries are down.)
/// A pool made only of backups behaves like a pool of primaries.
///
/// Within the tier in use, unavailable and full servers are skipped. `avoiding` (the server
/// that just failed a connect) is skipped as well, unless it is the only server that could be
/// returned.
public struct PoolBalancer: Sendable {
  public let algorithm: BalanceAlgorithm
  public let servers: [BalancedServer]
  /// Server indexes by tier, in config order: primaries first, then backups; no empty tier.
  let tiers: [[Int]]
  /// Smooth weighted round robin's running weight per server (nginx's `current_weight`).
  var currentWeights: [Int]
  /// Where least_connections starts looking among equally loaded servers.
  var position = 0
  var random: SplitMix64

  /// The most round-robin steps `init` takes to move a worker's starting point (see `seed`).
  static let maxWarmUpSteps: UInt64 = 1024

  /// - Parameter seed: seeds random_two's generator and, for round_robin, moves the starting
  ///   point `seed % (sum of primary weights)` picks into the cycle (at most 1024), so that
  ///   workers given different seeds (their index, say) do not all send their first
  ///   connection to the same server. Tests pass a fixed seed to be deterministic.
  public init(algorithm: BalanceAlgorithm, servers: [BalancedServer], seed: UInt64) {
    self.algorithm = algorithm
    self.servers = servers
    let primaries = servers.indices.filter { !servers[$0].backup }
    let backups = servers.indices.filter { servers[$0].backup }
    tiers = [primaries, backups].filter { !$0.isEmpty }
    currentWeights = Array(repeating: 0, count: servers.count)
    random = SplitMix64(seed: seed)
    if algorithm == .roundRobin, let first = tiers.first {
      let cycle = UInt64(first.reduce(0) { $0 + servers[$1].weight })
      for _ in 0..<min(seed % cycle, Self.maxWarmUpSteps) {
        _ = pick(clientKey: 0, avoiding: nil) { _ in .available(activeConnections: 0) }
      }
    }
  }

  /// Chooses a server for a new connection, or says why none can be used now.
  ///
  /// - Parameter clientKey: `PoolBalancer.clientKey(_:)` of the client's address; only
  ///   source_hash reads it.
  /// - Parameter avoiding: the server whose connect just failed, returned only if it is the
  ///   only available server of the tier in use; nil for a connection's first pick.
  /// - Parameter eligibility: the relay's view of a server index, asked at most once per
  ///   server per pick.
  /// - Returns: `.allFull` when servers of the tier in use are up but all are full (the caller
  ///   waits for a free slot); `.noneAvailable` when no server of any tier is up.
  public mutating func pick(
    clientKey: UInt64, avoiding: Int?, eligibility: (Int) -> ServerEligibility
  ) -> BalancerPick {
    for tier in tiers {
      // On the stack: picking runs once per connection and must not allocate. Candidate is a
      // trivial type, so the initialised elements need no deinitialising.
      let outcome = withUnsafeTemporaryAllocation(of: Candidate.self, capacity: tier.count) {
        buffer -> BalancerPick? in
        var count = 0
        var anyUp = false
        var avoidedIsAvailable = false
        for index in tier {
          let state = eligibility(index)
          guard case .available(let active) = state else {
            anyUp = anyUp || state.isUp
            continue
          }
          anyUp = true
          if index == avoiding {
            avoidedIsAvailable = true
          } else {
            buffer.initializeElement(at: count, to: Candidate(index: index, active: active))
            count += 1
          }
        }
        guard anyUp else { return nil }  // the whole tier is down: try the next one
        guard count > 0 else {
          // The server that just failed is the only one with room: retrying it beats waiting.
          if avoidedIsAvailable, let avoiding { return .server(avoiding) }
          return .allFull
        }
        return .server(choose(among: UnsafeBufferPointer(rebasing: buffer[..<count]), clientKey: clientKey))
      }
      if let outcome { return outcome }
    }
    return .noneAvailable
  }
}

extension PoolBalancer {
  /// Whether a pick could choose a server now: the tier in use (the first with a server up)
  /// has one with room. Pure; the same tiers and eligibility as `pick`, so a true answer means
  /// a pick made at once returns `.server`. A full primary tier is "no room" even while a
  /// backup has some: backups stand in for failed servers, not for capacity.
  public static func tierInUseHasRoom(
    servers: [BalancedServer], eligibility: (Int) -> ServerEligibility
  ) -> Bool {
    let primaries = servers.indices.filter { !servers[$0].backup }
    let backups = servers.indices.filter { servers[$0].backup }
    for tier in [primaries, backups] where !tier.isEmpty {
      let states = tier.map(eligibility)
      guard states.contains(where: \.isUp) else { continue }
      return states.contains { if case .available = $0 { true } else { false } }
    }
    return false
  }
}

/// A server that could take the connection, with its load as the relay reported it.
struct Candidate {
  let index: Int
  let active: Int
}
