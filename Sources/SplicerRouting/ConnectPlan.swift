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

  /// The index of the next server to try, or nil when the attempts are used up or no server
  /// is available.
  ///
  /// - Parameter cursor: the worker's round-robin position, advanced on every first pick so
  ///   that new connections spread over the pool.
  /// - Parameter isAvailable: whether a server may take new connections now (up and not
  ///   draining); unavailable servers are skipped without spending an attempt.
  public mutating func nextServer(cursor: inout RoundRobinCursor, isAvailable: (Int) -> Bool = { _ in true }) -> Int? {
    guard attemptsLeft > 0 else { return nil }
    if repeatPending, let lastTried {
      repeatPending = false
      attemptsLeft -= 1
      return lastTried
    }
    let start = lastTried.map { ($0 + 1) % serverCount } ?? cursor.advance(count: serverCount)
    // Starting after the last server tried puts it last: retried only when no other is available.
    for offset in 0..<serverCount {
      let index = (start + offset) % serverCount
      if isAvailable(index) {
        attemptsLeft -= 1
        lastTried = index
        return index
      }
    }
    return nil
  }

  /// True once every attempt has been spent (as opposed to finding no available server).
  public var isExhausted: Bool { attemptsLeft == 0 }

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
