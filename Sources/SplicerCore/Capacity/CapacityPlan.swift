import SplicerConfig

/// What a config can need at its limits, compared with what the machine allows: descriptors
/// against RLIMIT_NOFILE, pipe pages against `fs.pipe-user-pages-*` and `fs.pipe-max-size`,
/// listen backlogs against `net.core.somaxconn`, connections to one server against the local
/// port range. Pure arithmetic on a `Configuration` and `MachineLimits`; the findings are in
/// `CapacityPlan+Findings`.
///
/// The counts are upper bounds of what the relay holds, from its design (docs/CONFIG.md,
/// "Capacity plan"): two sockets per connection, and in splice mode at most one pipe (two
/// descriptors) per direction while bytes are in flight, bounded by `tuning.max_pipes` per
/// worker; each worker keeps up to `tuning.pipe_pool` empty pipes; a mirrored connection holds
/// a socket to its shadow and a pipe more.
public struct CapacityPlan: Sendable, Equatable {
  /// Descriptors held whatever the traffic: standard streams, the admin endpoint, the health
  /// checker and the log writer, each worker's epoll and wake-up descriptors and listening
  /// sockets, and a probe socket per checked server.
  public let fixedDescriptors: Int
  /// Client connections the listeners allow at once (the sum of their `max_connections`);
  /// nil when some listener has no limit.
  public let connections: Int?
  /// Of `connections`, those on splice listeners, which may hold pipes.
  public let spliceConnections: Int?
  /// Empty pipes the workers may keep (`pipe_pool` × workers).
  public let pooledPipes: Int
  /// Pipes the workers may lease at once (`max_pipes` × workers); nil: no limit.
  public let leasablePipes: Int?
  /// Pages one pipe takes: `pipe_size` rounded up to a power-of-two number of pages, as the
  /// kernel grants it.
  public let pagesPerPipe: Int
  /// Of `connections`, those a listener's `mirror` copies (its `sample` of its
  /// `max_connections`, rounded up): each holds a socket to the shadow and a pipe more.
  public let mirroredConnections: Int?
  let configuration: Configuration
  let limits: MachineLimits

  /// Descriptors outside the workers and health checks: standard streams, the admin
  /// endpoint's event loop and socket, the health checker's and resolver's loops, the log
  /// writer, and a margin for a reload's new sockets and a scrape of /metrics.
  static let processDescriptors = 24
  /// Per worker: its epoll descriptor and its wake-up eventfd.
  static let workerDescriptors = 2
  static let pageSize = 4096

  public init(configuration: Configuration, limits: MachineLimits) {
    self.configuration = configuration
    self.limits = limits
    let workers = configuration.workers
    let checkedServers = configuration.pools.filter { $0.healthCheck != nil }.reduce(0) { $0 + $1.servers.count }
    // A worker that mirrors keeps a sink pipe and /dev/null open for the shadows' replies.
    let sink = configuration.listeners.contains { $0.mirror != nil } ? 3 : 0
    fixedDescriptors =
      Self.processDescriptors + workers * (Self.workerDescriptors + configuration.listeners.count + sink)
      + checkedServers
    let limitsOfListeners = configuration.listeners.map(\.maxConnections)
    connections = limitsOfListeners.contains(nil) ? nil : limitsOfListeners.reduce(0) { $0 + ($1 ?? 0) }
    let spliceLimits = configuration.listeners.filter { $0.mode == .splice }.map(\.maxConnections)
    spliceConnections = spliceLimits.contains(nil) ? nil : spliceLimits.reduce(0) { $0 + ($1 ?? 0) }
    let mirroring = configuration.listeners.filter { $0.mirror != nil }
    let mirrorLimits = mirroring.map { listener in
      listener.maxConnections.map { ($0 * (listener.mirror?.samplePercent ?? 0) + 99) / 100 }
    }
    mirroredConnections = mirrorLimits.contains(nil) ? nil : mirrorLimits.reduce(0) { $0 + ($1 ?? 0) }
    pooledPipes = configuration.tuning.pipePoolSize * workers
    leasablePipes = configuration.tuning.maxPipes.map { $0 * workers }
    pagesPerPipe = Self.roundedUpToPowerOfTwo(
      max(1, (configuration.tuning.pipeSize + Self.pageSize - 1) / Self.pageSize))
  }

  /// Pipes in flight at most for `spliceConnections` connections on splice listeners: one per
  /// direction, no more than the workers may lease.
  public func leasedPipes(spliceConnections: Int) -> Int {
    let wanted = 2 * spliceConnections + (mirroredConnections ?? 0)
    return leasablePipes.map { min($0, wanted) } ?? wanted
  }

  /// Descriptors needed with `connections` client connections open, `spliceConnections` of
  /// them on splice listeners, every one with bytes in flight both ways.
  public func descriptors(connections: Int, spliceConnections: Int) -> Int {
    fixedDescriptors + 2 * connections + (mirroredConnections ?? 0)
      + 2 * (leasedPipes(spliceConnections: spliceConnections) + pooledPipes)
  }

  /// The most connections `openFiles` descriptors can hold, were every connection on a splice
  /// listener (the dearer kind, when the listeners mix modes) and mirrored at the largest
  /// `sample` of any listener's `mirror`.
  public func connectionsWithin(openFiles: Int) -> Int {
    let spare = openFiles - fixedDescriptors - 2 * pooledPipes
    guard spare > 0 else { return 0 }
    let splice = configuration.listeners.contains { $0.mode == .splice }
    guard splice else { return spare / 2 }
    // Counted per hundred connections, so that a 10 % sample is a tenth of a mirror each. Up
    // to the pipe cap a connection costs two sockets and two pipes (six descriptors), and a
    // mirrored one a socket and a pipe more (three); beyond the cap, two: a connection that
    // cannot lease a pipe holds none, and its mirror is dropped before it opens a socket.
    let sample = configuration.listeners.compactMap { $0.mirror?.samplePercent }.max() ?? 0
    let descriptorsPerHundred = 600 + 3 * sample
    let pipesPerHundred = 200 + sample
    let uncapped = spare * 100 / descriptorsPerHundred
    guard let leasable = leasablePipes else { return uncapped }
    let cappedAt = leasable * 100 / pipesPerHundred
    if uncapped <= cappedAt { return uncapped }
    let used = (cappedAt * descriptorsPerHundred + 99) / 100
    return cappedAt + (spare - used) / 2
  }

  static func roundedUpToPowerOfTwo(_ value: Int) -> Int {
    var result = 1
    while result < value { result <<= 1 }
    return result
  }
}
