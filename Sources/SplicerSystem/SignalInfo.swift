import CSplicer

/// One signal as `Signals.waitInfo` or a `SignalDescriptor` received it: which signal, how it
/// was sent, by whom, and the value `sigqueue` carried.
///
/// The live upgrade needs the sender: the old process replies to the `splicer upgrade` that
/// asked (`senderPID`), and the command accepts a reply only from the process it asked.
public struct SignalInfo: Sendable, Equatable {
  /// How the signal was sent (`si_code`).
  public enum Origin: Sendable, Equatable {
    /// sigqueue(3) or pthread_sigqueue(3) (`SI_QUEUE`): `value` is the sender's.
    case queued
    /// kill(2) (`SI_USER`), as `kill -USR2` or `systemctl kill` send it.
    case user
    /// tgkill(2), raise(3), pthread_kill(3) (`SI_TKILL`).
    case thread
    /// Anything else: the kernel, a timer, a message queue (the raw `si_code`).
    case other(Int32)

    init(code: Int32) {
      switch code {
      case splicer_SI_QUEUE: self = .queued
      case splicer_SI_USER: self = .user
      case splicer_SI_TKILL: self = .thread
      default: self = .other(code)
      }
    }
  }

  public var signal: Int32
  public var origin: Origin
  /// The sending process (`si_pid`); 0 for a signal from the kernel.
  public var senderPID: Int32
  /// The sender's real uid (`si_uid`).
  public var senderUID: UInt32
  /// `si_value.sival_int` for a queued signal, 0 otherwise.
  public var value: Int32

  public init(signal: Int32, origin: Origin, senderPID: Int32, senderUID: UInt32, value: Int32) {
    self.signal = signal
    self.origin = origin
    self.senderPID = senderPID
    self.senderUID = senderUID
    self.value = value
  }

  init(_ raw: splicer_signal_info) {
    self.init(
      signal: raw.signal, origin: Origin(code: raw.code), senderPID: raw.pid, senderUID: raw.uid, value: raw.value)
  }
}
