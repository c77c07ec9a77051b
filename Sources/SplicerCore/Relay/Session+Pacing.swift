import SplicerSystem

/// Bandwidth limits: the caps the kernel paces this session's two sending sockets at.
extension Session {
  /// Paces a session that has just started relaying, before its first byte: the
  /// per-connection limits of its listener, lowered to the listener's fair share when it has
  /// a `listener_total`. No call at all when the listener has no limits; none for downloads
  /// when the client socket's inherited cap is already right.
  func startPacing() {
    guard let relay = phase.relay, listener.rateLimit.isLimited || worker.pacing.isDividing else { return }
    relay.paced = PacedRates(acceptedUnder: listener.rateLimit)
    pace(relay, share: worker.pacing.share(for: listener))
  }

  /// Paces the session to a new share of its listener's total (nil: none any more), if it is
  /// relaying; a session still connecting takes the share when it starts. Its own
  /// per-connection limits are those of the config it was accepted under, kept across
  /// reloads.
  func pace(share: UInt64?) {
    guard let relay = phase.relay else { return }
    pace(relay, share: share)
  }

  private func pace(_ relay: Relay, share: UInt64?) {
    let target = PacedRates(limits: listener.rateLimit, share: share)
    // A failure leaves the socket unpaced or at its old cap; with valid arguments on an open
    // socket the call does not fail, so there is nothing to close the session for.
    if target.download != relay.paced.download {
      try? Socket.setPacingRate(client, bytesPerSecond: target.download)
    }
    if target.upload != relay.paced.upload {
      try? Socket.setPacingRate(relay.server, bytesPerSecond: target.upload)
    }
    relay.paced = target
  }
}
