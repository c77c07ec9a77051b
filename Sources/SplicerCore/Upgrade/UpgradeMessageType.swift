/// The type field of an upgrade message's header (design §4.2). The raw values are the wire's;
/// a value not listed here is an unknown type and fails the decode.
public enum UpgradeMessageType: UInt16, Sendable, CaseIterable {
  /// New → old: the wire versions the new binary speaks, its version, boot id, uid, pid.
  case hello = 1
  /// Old → new: the chosen wire version.
  case welcome = 2
  /// Either way, before anything is frozen: the upgrade will not happen, and why.
  case refuse = 3
  /// Old → new: the running config generations and what the new process rebuilds them with.
  case runningConfig = 4
  /// Old → new: listening sockets, sent before the freeze.
  case listeners = 5
  /// New → old: everything is built; the old process may freeze.
  case readyForState = 6
  /// Old → new: one worker's records start.
  case workerBegin = 7
  /// Old → new: session records and their descriptors.
  case sessionBatch = 8
  /// Old → new: a chunk of a copy buffer's pending bytes that did not fit its batch.
  case bytes = 9
  /// Old → new: mirror records and their descriptors.
  case mirrorBatch = 10
  /// Old → new: one worker's records are complete.
  case workerEnd = 11
  /// Old → new: the summed counter tables.
  case counters = 12
  /// Old → new: server health and the other series that must not go back.
  case health = 13
  /// New → old: batches adopted so far (flow control).
  case batchAck = 14
  /// New → old: every record was received and validated.
  case prepared = 15
  /// Old → new: go ahead.
  case commit = 16
  /// New → old: the new process owns everything from here on.
  case committed = 17
  /// Old → new: the old process has let go of everything.
  case released = 18
  /// Either way: the upgrade stops and the old process resumes.
  case abort = 19
  /// Old → new, from wire version 2: the latency histograms, between `Counters` and `Health`.
  case histograms = 20

  /// The first wire version that has this type: a datagram of an older version that names it
  /// is an unknown type there, and fails the decode.
  public var introducedIn: UInt16 {
    switch self {
    case .histograms: 2
    default: 1
    }
  }

  /// `Hello` and `Refuse` travel before a version is agreed, with 0 in the header's version.
  public var travelsBeforeAgreement: Bool { self == .hello || self == .refuse }

  /// Whether descriptors may travel beside a message of this type.
  public var carriesDescriptors: Bool {
    switch self {
    // RunningConfig's last chunk may carry the fallback files (§4.3).
    case .runningConfig, .listeners, .sessionBatch, .mirrorBatch: true
    default: false
    }
  }
}
