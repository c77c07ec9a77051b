import CoreMetrics
import Prometheus

/// swift-prometheus's factory with help text for the timers Splicer records.
///
/// `PrometheusMetricsFactory` registers every metric without `# HELP`, which `promtool check
/// metrics` reports; this wrapper registers the known timers with their help in
/// `timerRegistry` and passes everything else through unchanged.
struct DescribedMetricsFactory: MetricsFactory {
  let base: PrometheusMetricsFactory
  /// Where the described timers' histograms live (the exporter's latency registry).
  let timerRegistry: PrometheusCollectorRegistry
  /// Help text and buckets per timer label.
  let timers: [String: (help: String, buckets: [Duration])]

  func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
    guard let described = timers[label] else { return base.makeTimer(label: label, dimensions: dimensions) }
    return timerRegistry.makeDurationHistogram(
      descriptor: MetricNameDescriptor(metricName: label, helpText: described.help), labels: dimensions,
      buckets: described.buckets)
  }

  func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
    base.makeCounter(label: label, dimensions: dimensions)
  }

  func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
    base.makeFloatingPointCounter(label: label, dimensions: dimensions)
  }

  func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
    base.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
  }

  func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
    base.makeMeter(label: label, dimensions: dimensions)
  }

  func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }
  func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
    base.destroyFloatingPointCounter(handler)
  }
  func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
  func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }
  func destroyTimer(_ handler: any TimerHandler) { base.destroyTimer(handler) }
}
