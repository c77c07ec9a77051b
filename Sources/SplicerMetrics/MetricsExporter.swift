import CoreMetrics
import Prometheus
import SplicerCore
import Synchronization

/// Renders the proxy's state in the Prometheus text format through swift-prometheus.
///
/// The data path counts in per-worker `CounterTable`s (no lock per splice call). At each
/// scrape the exporter sums the workers and moves swift-prometheus's counters forward by the
/// difference since the last scrape, sets the gauges, and lets the registry render. The
/// per-connection histograms are recorded by the workers directly through swift-metrics,
/// whose backend is this exporter's `latencyRegistry` (see `bootstrapMetricsSystem`); after a
/// live upgrade the old process's counts are added to them as they render (`+Upgrade`).
///
/// Owns both registries. Scrapes are serialised by a lock, so it is safe from any thread.
public final class MetricsExporter: Sendable {
  public let registry: PrometheusCollectorRegistry
  /// The latency histograms only, apart so that a live upgrade reads and adds to them without
  /// going through every other series.
  let latencyRegistry = PrometheusCollectorRegistry()
  let state: Mutex<ExporterState>

  /// Histogram buckets for the per-connection timers, in seconds.
  public static let connectBuckets: [Double] = [
    0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
  ]
  public static let durationBuckets: [Double] = [
    0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400,
  ]
  /// From a loopback or same-rack path (tens of microseconds) to an intercontinental one.
  public static let serverRTTBuckets: [Double] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
  ]

  public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
    self.registry = registry
    self.state = Mutex(ExporterState())
  }

  /// Makes swift-metrics record into this exporter's registries, with Splicer's histogram
  /// buckets for the latency timers. Call once, before the proxy creates its
  /// `LatencyRecorders`.
  public func bootstrapMetricsSystem() {
    let seconds = { (values: [Double]) in values.map { Duration.nanoseconds(Int64($0 * 1e9)) } }
    MetricsSystem.bootstrap(
      DescribedMetricsFactory(
        base: PrometheusMetricsFactory(registry: registry), timerRegistry: latencyRegistry,
        timers: [
          LatencyRecorders.connectLabel: (
            "Time from starting an upstream connect to the connection being established.",
            seconds(Self.connectBuckets)
          ),
          LatencyRecorders.durationLabel: (
            "Lifetime of client connections, accept to close.", seconds(Self.durationBuckets)
          ),
          LatencyRecorders.serverRTTLabel: (
            "Smoothed round-trip time (TCP_INFO) of each relayed connection's server socket at its close.",
            seconds(Self.serverRTTBuckets)
          ),
        ]))
  }

  /// Brings every series up to date with `proxy` and renders the registry.
  public func scrape(_ proxy: ProxyServer, extra: [ExtraSeries] = []) -> [UInt8] {
    let snapshot = ProxySnapshot(proxy)
    let process = ProcessSample.read()
    return state.withLock { state in
      state.update(snapshot: snapshot, process: process, extra: extra, registry: registry)
      return registry.emitToBuffer() + state.latencyExposition(latencyRegistry)
    }
  }
}

/// A counter or gauge the caller adds to a scrape (e.g. config reload outcomes kept by the
/// executable).
public struct ExtraSeries: Sendable {
  public enum Kind: Sendable { case counter, gauge }
  public let name: String
  public let help: String
  public let labels: [(String, String)]
  public let kind: Kind
  public let value: Double

  public init(name: String, help: String, labels: [(String, String)], kind: Kind, value: Double) {
    self.name = name
    self.help = help
    self.labels = labels
    self.kind = kind
    self.value = value
  }
}
