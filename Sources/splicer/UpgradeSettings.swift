import SplicerCore
import SplicerSystem

/// What the main thread needs to start a live upgrade (`Supervisor+Upgrade`), gathered by
/// `RunCommand` at start: where the binary is, how to hand over the admin endpoint, and the
/// bounds.
struct UpgradeSettings {
  /// The path the process was started as (`ExecutablePath`): a replaced file there is the new
  /// version. Nil when it could not be made absolute: an upgrade is then refused.
  let executablePath: String?
  let arguments: [String]
  /// Raise CAP_NET_BIND_SERVICE into the new process's ambient set (`keep_bind_capability`).
  let carryBindCapability: Bool
  let timeouts: UpgradeTimeouts
  let adminSocket: Int32?
  let stopAdmin: () -> Void
  /// The process-wide counter series, for the new process to carry on.
  let carriedSeries: () -> [HealthSnapshot.Series]
  /// The latency histograms (the exporter's; none without an admin endpoint), likewise.
  let carriedHistograms: () -> [HistogramSnapshot]
}
