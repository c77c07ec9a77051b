import SplicerConfig
import SplicerSystem

/// The download limit, set once on the listening socket.
extension Listener {
  /// Caps the listening socket's pacing at the listener's per-connection `download` limit
  /// (or lifts it), unless the socket has that cap already: `previous` is the limits it was
  /// set for (`RateLimitConfig()` for a socket just bound), nil when that is not known. Linux
  /// copies the cap into every socket it accepts there (the new socket is a clone of the
  /// listening one), so a download limit costs no system call per connection. A session whose
  /// share of `listener_total` is lower sets its own socket when it starts relaying
  /// (`Session.startPacing`).
  func applyDownloadLimit(replacing previous: RateLimitConfig?) {
    let download = context.rateLimit.download
    if let previous, previous.download == download { return }
    // On a socket shared by the workers (socket activation), a worker that has not applied
    // the reload yet may accept a client with the new cap under the old context; the session
    // then keeps the new cap, as if accepted a moment later.
    do {
      try Socket.setPacingRate(fd, bytesPerSecond: download.map(UInt64.init) ?? Socket.unlimitedPacingRate)
    } catch {
      worker.logger.warning(
        "download limit not applied", metadata: ["listener": "\(context.name)", "error": "\(error)"])
    }
  }
}
