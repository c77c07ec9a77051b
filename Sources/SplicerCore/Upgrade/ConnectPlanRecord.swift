/// A `ConnectPlan` as it travels: what the new process needs to continue a session's tries
/// exactly where the old one left them.
public struct ConnectPlanRecord: Hashable, Sendable {
  public var attemptsLeft: UInt32
  /// The index in its pool of the server tried last; nil before the first try (-1 on the wire).
  public var lastTried: Int32?
  public var repeatPending: Bool

  public init(attemptsLeft: UInt32, lastTried: Int32?, repeatPending: Bool) {
    precondition(lastTried.map { $0 >= 0 } ?? true, "a server index is never negative")
    self.attemptsLeft = attemptsLeft
    self.lastTried = lastTried
    self.repeatPending = repeatPending
  }
}
