/// The reply to `splicer upgrade` for a `Refuse` or `Abort` the handover ended with.
extension UpgradeReply {
  public init(_ refusal: UpgradeRefusal) {
    switch refusal {
    case .incompatibleVersion: self = .incompatibleVersion
    case .configInvalid: self = .configRejected
    case .runningConfigUnreadable: self = .runningConfigUnreadable
    case .reloadFailed: self = .reloadFailed
    case .descriptorLimit: self = .descriptorLimit
    case .bootMismatch, .uidMismatch: self = .peerMismatch
    case .recordInvalid, .descriptorsTruncated: self = .adoptionFailed
    case .timedOut: self = .timedOut
    case .aborted: self = .abortedBySignal
    case .startFailed: self = .startFailed
    }
  }
}
