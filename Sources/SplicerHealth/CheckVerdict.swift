import SplicerConfig
import SplicerProtocol

/// What a check's reply, as far as it has arrived, says about the server: passed or failed,
/// with the detail that the `server up`/`server down` log line gives.
///
/// Pure, so that how every kind of check judges its reply is tested on byte strings; the
/// `HealthProbe` only moves the bytes and feeds the verdict to `HealthState`.
struct CheckVerdict: Equatable, Sendable {
  let success: Bool
  let detail: String

  /// The verdict of `probe` on `reply`, or nil while more bytes could still decide it.
  ///
  /// - Parameter complete: the server has closed, so no more bytes will come.
  static func judge(_ probe: HealthCheckConfig.Probe, reply: [UInt8], complete: Bool) -> CheckVerdict? {
    switch probe {
    case .tcp:
      return CheckVerdict(success: true, detail: "connected")
    case .sendExpect(_, let expect):
      if ReplyMatcher.contains(reply, expect) { return CheckVerdict(success: true, detail: "reply matched") }
      return complete ? CheckVerdict(success: false, detail: "reply did not contain the expected bytes") : nil
    case .http(_, _, let statuses):
      guard let status = ReplyMatcher.httpStatus(reply) else {
        // A complete first line that is no status line will not become one.
        return complete || reply.contains(0x0A) ? CheckVerdict(success: false, detail: "not an HTTP response") : nil
      }
      return CheckVerdict(success: statuses.contains(status), detail: "HTTP \(status)")
    }
  }
}
