import SplicerConfig
import SplicerSystem

/// The pacing caps of one relaying session's two sending sockets, in bytes per second
/// (`Socket.unlimitedPacingRate`: none): what the kernel has, so that a re-division only
/// calls setsockopt(2) for a socket whose cap changes.
struct PacedRates: Equatable {
  /// The client socket's cap: server to client.
  var download: UInt64
  /// The server socket's cap: client to server.
  var upload: UInt64

  static let unlimited = PacedRates(download: Socket.unlimitedPacingRate, upload: Socket.unlimitedPacingRate)

  init(download: UInt64, upload: UInt64) {
    self.download = download
    self.upload = upload
  }

  /// The caps a session should have: its listener's per-connection limits, lowered to the
  /// listener's fair share when it has a total (nil: none).
  init(limits: RateLimitConfig, share: UInt64?) {
    download = Self.smaller(limits.download, share)
    upload = Self.smaller(limits.upload, share)
  }

  /// What a fresh session's sockets have before any call: the client socket inherited the
  /// listening socket's cap (`Listener.applyDownloadLimit`), the server socket has none.
  init(acceptedUnder limits: RateLimitConfig) {
    download = Self.smaller(limits.download, nil)
    upload = Socket.unlimitedPacingRate
  }

  private static func smaller(_ limit: Int?, _ share: UInt64?) -> UInt64 {
    let limit = limit.map { UInt64($0) } ?? Socket.unlimitedPacingRate
    return min(limit, share ?? Socket.unlimitedPacingRate)
  }
}
