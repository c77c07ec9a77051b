import Glibc

/// How a live upgrade ended, as the old process replies to `splicer upgrade` (design
/// live-upgrade.md §10.3): the value of the reply signal, which `sigqueue` carries as one
/// `Int32`. The new process's pid (> 0) on success, a negative code on failure.
///
/// The codes are a contract between two binaries of different versions: a code, once given,
/// never changes meaning, and a code this binary does not know decodes to `.unrecognized`
/// rather than failing. The human-readable detail is in the old process's log; the code gives
/// the class.
public enum UpgradeReply: Hashable, Sendable {
  /// The new process took over; the old one is exiting. `newPID` is above 0: a reply's value
  /// that is not decodes to a failure or to `.unrecognized`.
  case upgraded(newPID: Int32)
  /// The new binary could not be executed (missing, not executable, not a binary).
  case binaryNotExecutable
  /// The new binary rejected the config file.
  case configRejected
  /// The two binaries share no handover version.
  case incompatibleVersion
  /// The new binary could not read a running config generation.
  case runningConfigUnreadable
  /// The new config's reload could not be prepared (a listener it adds does not bind, a
  /// fallback file does not open).
  case reloadFailed
  /// The new process's descriptor limit cannot hold what would be passed.
  case descriptorLimit
  /// The two processes run on different boots or as different users.
  case peerMismatch
  /// The new process refused a record or descriptor it received.
  case adoptionFailed
  /// A step took longer than `timeouts.upgrade` (or a bound derived from it) allows.
  case timedOut
  /// The new process died before it took over.
  case newProcessDied
  /// SIGTERM or SIGINT reached the old process during the upgrade.
  case abortedBySignal
  /// Another upgrade was running; this request was ignored.
  case alreadyInProgress
  /// The new process could not prepare its start (its threads) before the commit.
  case startFailed
  /// A code this binary does not know (from a newer binary), or 0.
  case unrecognized(Int32)

  /// The failures in code order, each with its code and text.
  static let failures: [(outcome: UpgradeReply, code: Int32, text: String)] = [
    (.binaryNotExecutable, -1, "the new binary could not be executed"),
    (.configRejected, -2, "the new binary rejected the config file"),
    (.incompatibleVersion, -3, "the two binaries share no handover version"),
    (.runningConfigUnreadable, -4, "the new binary could not read the running config"),
    (.reloadFailed, -5, "the new config could not be applied"),
    (.descriptorLimit, -6, "the new process's descriptor limit is too low"),
    (.peerMismatch, -7, "the new process runs on another boot or as another user"),
    (.adoptionFailed, -8, "the new process refused the state it was sent"),
    (.timedOut, -9, "timed out"),
    (.newProcessDied, -10, "the new process died"),
    (.abortedBySignal, -11, "aborted by SIGTERM or SIGINT"),
    (.alreadyInProgress, -12, "another upgrade is in progress"),
    (.startFailed, -13, "the new process could not start"),
  ]

  /// Decodes a reply's value.
  public init(code: Int32) {
    if code > 0 {
      self = .upgraded(newPID: code)
    } else if let failure = Self.failures.first(where: { $0.code == code }) {
      self = failure.outcome
    } else {
      self = .unrecognized(code)
    }
  }

  /// The reply's value.
  public var code: Int32 {
    switch self {
    case .upgraded(let pid): return pid
    case .unrecognized(let code): return code
    default: return Self.failures.first { $0.outcome == self }?.code ?? 0
    }
  }

  /// What happened, for the command's output: `upgrade failed: <text>`.
  public var text: String {
    switch self {
    case .upgraded(let pid): return "upgraded to pid \(pid)"
    case .unrecognized(let code): return "unknown reply code \(code)"
    default: return Self.failures.first { $0.outcome == self }?.text ?? "\(self)"
    }
  }

  /// The signal that carries the reply to `splicer upgrade`: SIGRTMIN + 2, a real-time signal
  /// so that replies queue rather than merge, beside the discovery wake-up's SIGRTMIN + 1.
  public static var replySignal: Int32 { __libc_current_sigrtmin() + 2 }

  /// The signal that asks for an upgrade: SIGUSR2, the conventional binary-upgrade trigger.
  public static let requestSignal = SIGUSR2
}
