import Prometheus
import SplicerCore

/// The swift-prometheus series the exporter feeds, the totals each counter had at the
/// previous scrape, and the latency histograms' base after a live upgrade. Guarded by
/// `MetricsExporter`'s lock.
struct ExporterState {
  private var counters: [String: (counter: Counter, last: Double)] = [:]
  private var gauges: [String: Gauge] = [:]
  /// What a live upgrade carried of the latency histograms (`+Upgrade`).
  var carriedHistograms = CarriedHistograms()

  /// Whether the gauge with these labels has been set before.
  func hasGauge(_ name: String, _ labels: [(String, String)]) -> Bool {
    gauges[Self.key(name, labels)] != nil
  }

  private static func key(_ name: String, _ labels: [(String, String)]) -> String {
    labels.reduce(name) { $0 + "|" + $1.0 + "=" + $1.1 }
  }

  /// Moves a counter forward to `total` (a sum over workers that only grows).
  mutating func counter(
    _ name: String, _ help: String, _ labels: [(String, String)] = [], total: Double,
    registry: PrometheusCollectorRegistry
  ) {
    let key = Self.key(name, labels)
    var entry = counters[key] ?? (registry.makeCounter(name: name, labels: labels, help: help), 0)
    if total > entry.last {
      let delta = total - entry.last
      if delta == delta.rounded() && delta < 9e15 {
        entry.counter.increment(by: Int64(delta))
      } else {
        entry.counter.increment(by: delta)
      }
      entry.last = total
    }
    counters[key] = entry
  }

  mutating func gauge(
    _ name: String, _ help: String, _ labels: [(String, String)] = [], value: Double,
    registry: PrometheusCollectorRegistry
  ) {
    let key = Self.key(name, labels)
    let gauge = gauges[key] ?? registry.makeGauge(name: name, labels: labels, help: help)
    gauge.set(value)
    gauges[key] = gauge
  }

  mutating func update(
    snapshot: ProxySnapshot, process: ProcessSample, extra: [ExtraSeries], registry: PrometheusCollectorRegistry
  ) {
    func counter(_ name: String, _ help: String, _ labels: [(String, String)] = [], _ total: UInt64) {
      self.counter(name, help, labels, total: Double(total), registry: registry)
    }
    func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = [], _ value: Double) {
      self.gauge(name, help, labels, value: value, registry: registry)
    }

    gauge("splicer_workers", "Event-loop worker threads.", [], Double(snapshot.workers))
    gauge(
      "splicer_draining", "1 while the proxy is stopping and accepts no new connections.", [], snapshot.draining ? 1 : 0
    )

    for row in snapshot.listeners {
      let labels = [("listener", row.name)]
      counter("splicer_connections_accepted_total", "Client connections accepted.", labels, row.counters[.accepted]!)
      gauge("splicer_connections_active", "Client connections open now.", labels, Double(row.active))
      for reason in CloseReason.allCases {
        counter(
          "splicer_connections_closed_total", "Client connections closed, by reason.",
          labels + [("reason", reason.description)], row.closes[reason]!)
      }
      counter(
        "splicer_bytes_total", "Payload bytes relayed, by direction.", labels + [("direction", "client_to_server")],
        row.counters[.bytesClientToServer]!)
      counter(
        "splicer_bytes_total", "Payload bytes relayed, by direction.", labels + [("direction", "server_to_client")],
        row.counters[.bytesServerToClient]!)
      counter(
        "splicer_accept_errors_total", "Failed accept calls other than EAGAIN.", labels, row.counters[.acceptErrors]!)
      counter(
        "splicer_accept_backoffs_total",
        "Times accepting paused for 100 ms: descriptors or memory ran out, or accept failed unexpectedly.",
        labels, row.counters[.acceptBackoffs]!)
      counter(
        "splicer_listener_limit_pauses_total",
        "Times the listener stopped accepting at max_connections; clients wait in the kernel backlog.", labels,
        row.counters[.limitPauses]!)
      counter(
        "splicer_queued_connections_total", "Connections that waited in a pool queue for a server slot.", labels,
        row.counters[.queued]!)
      counter(
        "splicer_proxy_headers_total", "PROXY protocol headers accepted from trusted peers.", labels,
        row.counters[.proxyHeaders]!)
      for outcome in InspectOutcome.allCases {
        counter(
          "splicer_inspections_total", "TLS ClientHello inspections for SNI routing, by result.",
          labels + [("result", outcome.description)], row.inspections[outcome]!)
      }
    }

    for row in snapshot.servers {
      let labels = [("pool", row.pool), ("server", row.server)]
      counter(
        "splicer_server_connect_attempts_total", "Upstream connect attempts.", labels, row.counters[.connectAttempts]!)
      for reason in ConnectFailureReason.allCases {
        counter(
          "splicer_server_connect_failures_total", "Upstream connect attempts that failed, by reason.",
          labels + [("reason", reason.description)], row.failures[reason]!)
      }
      gauge(
        "splicer_server_connections_active", "Relayed connections open to this server now.", labels, Double(row.active))
      gauge(
        "splicer_server_up", "1 while the server takes new connections: up by its checks and not draining.", labels,
        row.up && !row.draining ? 1 : 0)
      counter(
        "splicer_health_checks_total", "Active health checks, by result.", labels + [("result", "passed")],
        row.health[.checksPassed]!)
      counter(
        "splicer_health_checks_total", "Active health checks, by result.", labels + [("result", "failed")],
        row.health[.checksFailed]!)
      counter(
        "splicer_health_checks_total", "Active health checks, by result.", labels + [("result", "skipped")],
        row.health[.checksSkipped]!)
      counter(
        "splicer_server_transitions_total", "Health state changes, by new state and cause.",
        labels + [("to", "down"), ("cause", "active")], row.health[.wentDown]!)
      counter(
        "splicer_server_transitions_total", "Health state changes, by new state and cause.",
        labels + [("to", "down"), ("cause", "passive")], row.health[.passiveDowns]!)
      counter(
        "splicer_server_transitions_total", "Health state changes, by new state and cause.",
        labels + [("to", "up"), ("cause", "active")], row.health[.wentUp]!)
      counter(
        "splicer_server_bytes_total", "Payload bytes relayed to and from this server.",
        labels + [("direction", "client_to_server")], row.counters[.bytesClientToServer]!)
      counter(
        "splicer_server_bytes_total", "Payload bytes relayed to and from this server.",
        labels + [("direction", "server_to_client")], row.counters[.bytesServerToClient]!)
    }

    let global = snapshot.global
    counter(
      "splicer_spliced_bytes_total", "Bytes moved by splice(2), never entering user space.", [], global[.bytesSpliced]!)
    counter(
      "splicer_copied_bytes_total", "Bytes moved through a user-space buffer (copy mode or fallback).", [],
      global[.bytesCopied]!)
    for reason in SpliceFallbackReason.allCases {
      counter(
        "splicer_splice_fallbacks_total",
        "Copy-path fallbacks on splice listeners: per read without a pipe, per direction when splice is refused.",
        [("reason", reason.description)], snapshot.fallbacks[reason]!)
    }
    gauge("splicer_pipes_in_use", "Pipes leased to connections with bytes in flight.", [], Double(snapshot.pipesInUse))
    gauge("splicer_pipes_pooled", "Empty pipes kept for reuse.", [], Double(global[.pipesPooled]!))
    counter("splicer_pipes_created_total", "Pipes created.", [], global[.pipesCreated]!)
    gauge(
      "splicer_pipe_size_bytes",
      "Capacity the kernel granted each worker's most recent pipe (F_GETPIPE_SZ); the smallest over the workers.", [],
      Double(global[.pipeCapacityGranted]!))

    gauge("process_open_fds", "Open file descriptors.", [], process.openDescriptors)
    gauge("process_max_fds", "Maximum number of open file descriptors.", [], process.maxDescriptors)
    gauge("process_resident_memory_bytes", "Resident memory size in bytes.", [], process.residentBytes)
    gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", [], process.virtualBytes)
    gauge(
      "process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.", [],
      process.startTimeSeconds)
    gauge("process_threads", "Threads of the process.", [], process.threads)
    self.counter(
      "process_cpu_seconds_total", "User and system CPU time spent, in seconds.", [], total: process.cpuSeconds,
      registry: registry)

    updateRateLimits(snapshot.listeners, registry: registry)
    updateMirrors(snapshot.listeners, registry: registry)
    for series in extra {
      switch series.kind {
      case .counter: self.counter(series.name, series.help, series.labels, total: series.value, registry: registry)
      case .gauge: gauge(series.name, series.help, series.labels, series.value)
      }
    }
  }
}
