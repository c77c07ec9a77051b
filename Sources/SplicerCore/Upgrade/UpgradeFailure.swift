/// Why and where an upgrade stopped, on either side.
public struct UpgradeFailure: Hashable, Sendable, CustomStringConvertible {
  public var notice: UpgradeNotice
  public var stage: UpgradeStage
  /// The peer said so (`Refuse` or `Abort`), rather than this side finding it.
  public var byPeer: Bool

  public init(_ notice: UpgradeNotice, stage: UpgradeStage, byPeer: Bool = false) {
    self.notice = notice
    self.stage = stage
    self.byPeer = byPeer
  }

  public var description: String {
    "\(notice.reason) at \(stage.rawValue)\(byPeer ? " (peer)" : "")\(notice.text.isEmpty ? "" : ": \(notice.text)")"
  }
}
