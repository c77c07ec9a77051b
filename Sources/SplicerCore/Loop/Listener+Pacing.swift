import SplicerConfig
import SplicerSystem

/// The download limit, set once on the listening socket.
extension Listener {
  /// Caps the listening socket's pacing at the listener's per-connection `download` limit
  /// (or lifts it), when it differs from `previous`'s. Linux copies the cap into every socket
  /// it accepts there (the new socket is a clone of the listening one), so a download limit
  /// costs no system call per connection. A session whose share of `listener_total` is lower
  /// sets its own socket when it starts relaying (`Session.startPacing`).
  func applyDownloadLimit(replacing previous: RateLimitConfig?) {
    let download = context.rateLimit.download
    guard download != previous?.download, download != nil || previous != nil else { return }
    do {
      try Socket.setPacingRate(fd, bytesPerSecond: download.map(UInt64.init) ?? Socket.unlimitedPacingRate)
    } catch {
      worker.logger.warning(
        "download limit not applied", metadata: ["listener": "\(context.name)", "error": "\(error)"])
    }
  }
}
