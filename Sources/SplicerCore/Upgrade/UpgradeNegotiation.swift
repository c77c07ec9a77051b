/// The choice of a wire version (design §4.1): the newest both binaries speak, or none.
/// Pure, so that the rule has a table of its own in the tests.
public enum UpgradeNegotiation {
  /// `min(old.max, new.max)` when it is at least `max(old.min, new.min)`; nil otherwise.
  public static func choose(old: ClosedRange<UInt16>, new: ClosedRange<UInt16>) -> UInt16? {
    let chosen = min(old.upperBound, new.upperBound)
    return chosen >= max(old.lowerBound, new.lowerBound) ? chosen : nil
  }

  /// What the old process answers to `hello`: the version, or the refusal that says why not.
  public static func answer(_ hello: UpgradeHello, old: UpgradeIdentity) -> Result<UInt16, UpgradeNotice> {
    let new = hello.oldestVersion...hello.newestVersion
    guard let chosen = choose(old: old.supported, new: new) else {
      return .failure(
        UpgradeNotice(
          .incompatibleVersion,
          "old \(old.binaryVersion) speaks \(describe(old.supported)), new \(hello.binaryVersion) speaks \(describe(new))"
        ))
    }
    guard hello.bootID == old.bootID else {
      return .failure(UpgradeNotice(.bootMismatch, "old boot \(old.bootID), new boot \(hello.bootID)"))
    }
    guard hello.uid == old.uid else {
      return .failure(UpgradeNotice(.uidMismatch, "old uid \(old.uid), new uid \(hello.uid)"))
    }
    return .success(chosen)
  }

  static func describe(_ range: ClosedRange<UInt16>) -> String { "\(range.lowerBound)...\(range.upperBound)" }
}
