import SplicerCore

// FoundationEssentials has the JSONEncoder of the /status document without the rest of Foundation,
// whose ICU data would add 32 MiB to the binary; swift-argument-parser links it already.
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// What the admin endpoint answers, as a pure function of the request line and the proxy.
///
/// Kept apart from the HTTP plumbing so that every route and refusal is tested without a socket.
public struct AdminRoutes: Sendable {
  public struct Response: Sendable, Equatable {
    public let status: Int
    public let contentType: String
    public let body: [UInt8]
    public var extraHeaders: [(String, String)] = []

    public init(status: Int, contentType: String, body: [UInt8], extraHeaders: [(String, String)] = []) {
      self.status = status
      self.contentType = contentType
      self.body = body
      self.extraHeaders = extraHeaders
    }

    static func text(_ status: Int, _ text: String) -> Response {
      Response(status: status, contentType: "text/plain; charset=utf-8", body: Array((text + "\n").utf8))
    }

    public static func == (lhs: Response, rhs: Response) -> Bool {
      lhs.status == rhs.status && lhs.contentType == rhs.contentType && lhs.body == rhs.body
        && lhs.extraHeaders.map { "\($0.0):\($0.1)" } == rhs.extraHeaders.map { "\($0.0):\($0.1)" }
    }
  }

  /// Bodies larger than this are refused: the admin endpoint takes no uploads.
  public static let maximumBodyBytes = 1024

  let proxy: ProxyServer
  let exporter: MetricsExporter
  let version: String
  let extraSeries: @Sendable () -> [ExtraSeries]

  public init(
    proxy: ProxyServer, exporter: MetricsExporter, version: String,
    extraSeries: @escaping @Sendable () -> [ExtraSeries] = { [] }
  ) {
    self.proxy = proxy
    self.exporter = exporter
    self.version = version
    self.extraSeries = extraSeries
  }

  /// The response for `method` on `uri` (query string ignored).
  public func respond(method: String, uri: String) -> Response {
    let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
    guard ["/metrics", "/healthz", "/status"].contains(path) else { return .text(404, "not found") }
    guard method == "GET" || method == "HEAD" else {
      var response = Response.text(405, "method not allowed")
      response.extraHeaders = [("Allow", "GET, HEAD")]
      return response
    }
    switch path {
    case "/metrics":
      return Response(
        status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
        body: exporter.scrape(proxy, extra: extraSeries()))
    case "/healthz":
      return proxy.isDraining ? .text(503, "draining") : .text(200, "ok")
    default:
      return Response(
        status: 200, contentType: "application/json", body: StatusReport(ProxySnapshot(proxy), version: version).json())
    }
  }
}

/// The /status document: listeners, pools and servers with their live counters.
struct StatusReport: Encodable {
  struct Listener: Encodable {
    let name: String
    let address: String
    let mode: String
    let pool: String
    let activeConnections: UInt64
    let acceptedConnections: UInt64
  }

  struct Server: Encodable {
    let address: String
    /// `up`, `down` or `draining`.
    let state: String
    let activeConnections: UInt64
    let connectAttempts: UInt64
    let connectFailures: UInt64
  }

  struct Pool: Encodable {
    let name: String
    let servers: [Server]
  }

  let version: String
  let workers: Int
  let draining: Bool
  let listeners: [Listener]
  let pools: [Pool]

  init(_ snapshot: ProxySnapshot, version: String) {
    self.version = version
    workers = snapshot.workers
    draining = snapshot.draining
    listeners = snapshot.listeners.filter(\.configured).map {
      Listener(
        name: $0.name, address: $0.address, mode: $0.mode, pool: $0.pool, activeConnections: $0.active,
        acceptedConnections: $0.counters[.accepted, default: 0])
    }
    var pools: [Pool] = []
    for row in snapshot.servers where row.configured {
      let server = Server(
        address: row.server, state: row.state, activeConnections: row.active,
        connectAttempts: row.counters[.connectAttempts, default: 0],
        connectFailures: row.failures.values.reduce(0, +))
      if pools.last?.name == row.pool {
        pools[pools.count - 1] = Pool(name: row.pool, servers: pools[pools.count - 1].servers + [server])
      } else {
        pools.append(Pool(name: row.pool, servers: [server]))
      }
    }
    self.pools = pools
  }

  func json() -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return Array((try? encoder.encode(self)) ?? Data("{}".utf8)) + [0x0A]
  }
}
