/// What one old worker sends, announced in `WorkerBegin` and repeated in `WorkerEnd`, where
/// the receiver compares it with what arrived.
public struct UpgradeWorkerCounts: Hashable, Sendable {
  public var worker: UInt16
  public var sessions: UInt32
  public var mirrors: UInt32
  public var descriptors: UInt32
  /// Copy-buffer bytes that travel in `Bytes` messages.
  public var bytes: UInt64

  public init(worker: UInt16, sessions: UInt32, mirrors: UInt32, descriptors: UInt32, bytes: UInt64) {
    self.worker = worker
    self.sessions = sessions
    self.mirrors = mirrors
    self.descriptors = descriptors
    self.bytes = bytes
  }
}
