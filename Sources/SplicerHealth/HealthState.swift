/// One server's health as consecutive check results decide it: `fall` failures in a row take
/// an up server down, `rise` successes in a row bring a down server up.
///
/// Pure: no clock, no sockets. Requiring a run of equal results is what damps flapping: a
/// server that alternates between passing and failing never changes state while rise and fall
/// are both above 1.
struct HealthState: Sendable, Equatable {
  enum Status: String, Sendable, Equatable {
    case up
    case down
  }

  private(set) var status: Status
  private(set) var consecutiveSuccesses = 0
  private(set) var consecutiveFailures = 0
  let rise: Int
  let fall: Int

  /// Servers start up, as in HAProxy: a fresh proxy serves at once, and a dead server is
  /// caught within `fall` checks (or sooner by passive observation).
  init(rise: Int, fall: Int, status: Status = .up) {
    precondition(rise >= 1 && fall >= 1, "thresholds must be at least 1")
    self.rise = rise
    self.fall = fall
    self.status = status
  }

  /// Records one check result; returns the new status when it changed.
  mutating func record(success: Bool) -> Status? {
    if success {
      consecutiveSuccesses += 1
      consecutiveFailures = 0
      if status == .down && consecutiveSuccesses >= rise {
        status = .up
        return .up
      }
    } else {
      consecutiveFailures += 1
      consecutiveSuccesses = 0
      if status == .up && consecutiveFailures >= fall {
        status = .down
        return .down
      }
    }
    return nil
  }

  /// Takes the server down at once (passive observation saw it fail); it needs `rise`
  /// successful checks to come back. Returns whether the status changed.
  mutating func forceDown() -> Bool {
    consecutiveSuccesses = 0
    guard status == .up else { return false }
    status = .down
    return true
  }
}
