/// The connect attempts of one connection: how many are left, and which server comes next.
///
/// Owned by the connection; the choice itself is delegated to the worker's `PoolBalancer` for
/// the pool, which the plan borrows for each step. The plan adds what is per connection:
/// at most `retries + 1` attempts, and a retry avoids the server that just failed unless it
/// is the only one available. Finding no usable server spends no attempt.
public struct ConnectPlan: Sendable, Equatable {
  /// What the connection should do next.
  public enum Step: Sendable, Hashable {
    /// Connect to the server at this index in the pool; one attempt has been spent.
    case server(Int)
    /// Servers are up but all are at their connection limit: wait for a free slot, then ask
    /// again.
    case allFull
    /// No server is up (down or draining): the pool cannot serve this connection now.
    case noneAvailable
    /// Every attempt has been spent on servers that failed: give up on this connection.
    case exhausted
  }

  public private(set) var attemptsLeft: Int
  /// The server of the latest `.server` step, which the next step avoids.
  public private(set) var lastTried: Int?
  private var repeatPending = false

  /// A plan as the old process left it, adopted in a live upgrade.
  public init(attemptsLeft: Int, lastTried: Int?, repeatPending: Bool) {
    self.attemptsLeft = attemptsLeft
    self.lastTried = lastTried
    self.repeatPending = repeatPending
  }

  /// The last attempt never reached its server and goes back to it (`repeatLastAttempt`);
  /// read by a live upgrade's snapshot.
  public var isRepeatPending: Bool { repeatPending }

  /// - Parameter retries: further servers to try after a failed connect (the pool's `retries`).
  public init(retries: Int) {
    attemptsLeft = max(retries, 0) + 1
  }

  /// The next step for this connection.
  ///
  /// - Parameter balancer: the worker's balancer for the connection's pool.
  /// - Parameter clientKey: `PoolBalancer.clientKey(_:)` of the client, computed once.
  /// - Parameter eligibility: the relay's view of each server now.
  public mutating func next(
    balancer: inout PoolBalancer, clientKey: UInt64, eligibility: (Int) -> ServerEligibility
  ) -> Step {
    guard attemptsLeft > 0 else { return .exhausted }
    if repeatPending, let lastTried {
      repeatPending = false
      // The attempt never reached the server, so it is not at fault: go back to it, unless it
      // has meanwhile gone down or filled up, in which case the balancer picks afresh.
      if case .available = eligibility(lastTried) {
        attemptsLeft -= 1
        return .server(lastTried)
      }
    }
    switch balancer.pick(clientKey: clientKey, avoiding: lastTried, eligibility: eligibility) {
    case .server(let index):
      attemptsLeft -= 1
      lastTried = index
      return .server(index)
    case .allFull:
      return .allFull
    case .noneAvailable:
      return .noneAvailable
    }
  }

  /// True once every attempt has been spent (as opposed to finding no usable server).
  public var isExhausted: Bool { attemptsLeft == 0 }

  /// Gives back the last attempt without pinning the next one to the same server: the
  /// server turned out unusable before a connect was made (another worker took its last slot,
  /// or its host name lost its address). The next step still avoids it.
  public mutating func refundLastAttempt() {
    guard lastTried != nil else { return }
    attemptsLeft += 1
  }

  /// Gives back the last attempt, which never reached the server (the proxy itself ran out of
  /// descriptors): the next step returns the same server again if it is still available.
  public mutating func repeatLastAttempt() {
    guard lastTried != nil, !repeatPending else { return }
    attemptsLeft += 1
    repeatPending = true
  }
}
