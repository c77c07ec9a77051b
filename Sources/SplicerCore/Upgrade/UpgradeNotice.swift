/// The payload of `Refuse` and `Abort`: a reason code and the text for the log and for
/// `splicer upgrade` (a config error's `file:line message`, both version ranges, ...).
public struct UpgradeNotice: Hashable, Sendable {
  public var reason: UpgradeRefusal
  public var text: String

  public init(_ reason: UpgradeRefusal, _ text: String = "") {
    self.reason = reason
    self.text = text
  }
}
