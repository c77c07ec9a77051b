/// How an upgrade ended for the new process (`UpgradeReceiver.run`).
public enum UpgradeReceipt: Hashable, Sendable {
  /// `Committed` was written and the recipient committed: the process is the proxy now.
  /// `released` says whether `Released` arrived (false when the old process died first), and
  /// `pendingReload` whether a SIGHUP reached the old process meanwhile.
  case adopted(pendingReload: Bool, released: Bool)
  /// Nothing was adopted: every received descriptor is closed. The process exits 1.
  case failed(UpgradeFailure)
}
