/// Which server a connection tries next, for one connection's connect attempts.
///
/// Pure: it only counts. The first pick comes from the worker's round-robin cursor; each retry
/// moves on to the following server, so a retry never hits the server that just failed unless
/// the pool has only one. At most `retries + 1` attempts are made.
public struct ConnectPlan: Sendable, Equatable {
  public let serverCount: Int
  public private(set) var attemptsLeft: Int
  public private(set) var lastTried: Int?
  private var repeatPending = false

  public init(serverCount: Int, retries: Int) {
    self.serverCount = serverCount
    self.attemptsLeft = serverCount == 0 ? 0 : retries + 1
  }

  /// The index of the next server to try, or nil when the attempts are used up.
  ///
  /// - Parameter cursor: the worker's round-robin position, advanced on every first pick so
  ///   that new connections spread over the pool.
  public mutating func nextServer(cursor: inout RoundRobinCursor) -> Int? {
    guard attemptsLeft > 0 else { return nil }
    attemptsLeft -= 1
    let index: Int
    if repeatPending, let lastTried {
      repeatPending = false
      index = lastTried
    } else if let lastTried {
      index = (lastTried + 1) % serverCount
    } else {
      index = cursor.advance(count: serverCount)
    }
    lastTried = index
    return index
  }

  /// Gives back the last attempt, which never reached the server (the proxy itself ran out
  /// of descriptors): the next call returns the same server again.
  public mutating func repeatLastAttempt() {
    guard lastTried != nil else { return }
    attemptsLeft += 1
    repeatPending = true
  }
}

/// A round-robin position over a pool's servers, one per worker per pool.
public struct RoundRobinCursor: Sendable, Equatable {
  public private(set) var position: Int

  /// Workers start at different offsets so that they do not all pick server 0 first.
  public init(start: Int = 0) {
    position = start
  }

  /// Returns the current index modulo `count` and moves on by one.
  public mutating func advance(count: Int) -> Int {
    precondition(count > 0, "round robin over an empty pool")
    let index = position % count
    position = (index + 1) % count
    return index
  }
}
