/// What `splicer upgrade` got back from the process it asked, or did not.
public enum UpgradeAnswer: Hashable, Sendable {
  /// A reply signal from the target, decoded.
  case replied(UpgradeReply)
  /// The target exited (its pidfd became readable) without replying.
  case targetExited
  /// Nothing within the command's `--timeout`.
  case noAnswer
}
