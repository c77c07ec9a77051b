/// What the receiver does at an `UpgradeFaultPoint`.
public enum UpgradeFaultAction: Hashable, Sendable {
  case proceed
  /// As if the process crashed: every received descriptor closed, the channel closed, nothing
  /// said to the peer.
  case die
  /// Sends a datagram that does not decode, then carries on.
  case corrupt
  /// Stops making progress: reads and drops what arrives until an `Abort`, the end of the
  /// channel or its own deadline, then fails.
  case stall
  /// Fails the step as a real error would: a refusal (or an abort) sent to the peer.
  case fail
}
