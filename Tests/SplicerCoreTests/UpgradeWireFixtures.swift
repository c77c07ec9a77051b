import Glibc
import SplicerCore
import SplicerSystem

/// Records and messages for the upgrade wire tests: every message type that has a layout, every
/// session phase, every carrier, addresses of every family.
enum UpgradeWireFixtures {
  static let ipv4 = SocketAddress(ip: "192.0.2.7", port: 40_001)!
  static let ipv6 = SocketAddress(ip: "2001:db8::5", port: 443)!
  static let unix = SocketAddress(unixPath: "/run/app.sock")!
  /// `@abstract`: an abstract unix name, a NUL then the name, no terminating NUL.
  static let abstractUnix: SocketAddress = {
    var raw = sockaddr_un()
    raw.sun_family = sa_family_t(AF_UNIX)
    let name: [UInt8] = [0] + Array("abstract".utf8)
    withUnsafeMutableBytes(of: &raw.sun_path) { $0.copyBytes(from: name) }
    var storage = sockaddr_storage()
    withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: raw, as: sockaddr_un.self) }
    return SocketAddress(storage: storage, length: socklen_t(MemoryLayout<sa_family_t>.size + name.count))
  }()

  static let plan = ConnectPlanRecord(attemptsLeft: 3, lastTried: 1, repeatPending: true)
  static let freshPlan = ConnectPlanRecord(attemptsLeft: 4, lastTried: nil, repeatPending: false)
  static let backend = BackendReference(id: 12, key: ServerKeyRecord(pool: "app", address: "10.0.0.2:8080"))

  static func relay(toServer: DirectionRecord.Carrier = .none, toClient: DirectionRecord.Carrier = .none)
    -> RelayRecord
  {
    RelayRecord(
      server: 1, backend: backend, lastActivityAge: 1_500_000, pacedDownload: 1_000_000, pacedUpload: 0, mirror: 9,
      toServer: direction(toServer, flags: [.sourceReadable, .forwardsEndOfStream]),
      toClient: direction(toClient, flags: [.copyMode, .urgentSignalled, .sourceClosed, .finished]))
  }

  static func direction(_ carrier: DirectionRecord.Carrier, flags: DirectionRecord.Flags = []) -> DirectionRecord {
    let pending: UInt32 =
      switch carrier {
      case .none: 0
      case .pipe: 4096
      case .buffer(let inline): UInt32(inline.count) + 10
      }
    return DirectionRecord(flags: flags, bytesRelayed: 123_456_789, pending: pending, carrier: carrier)
  }

  /// One of every phase, with every carrier among the relays.
  static let phases: [(String, SessionRecord.Phase)] = [
    ("readingProxyHeader", .readingProxyHeader),
    ("inspecting", .inspecting(lowWatermarkRaised: true)),
    ("queued", .queued(plan: plan, lastTried: backend.key, queuePosition: 7)),
    ("queued, nothing tried", .queued(plan: freshPlan, lastTried: nil, queuePosition: 0)),
    ("connecting", .connecting(plan: plan, server: 1, backend: backend)),
    ("waitingForDescriptors", .waitingForDescriptors(plan: plan, sinceAge: 42)),
    ("waitingForDescriptors, no start", .waitingForDescriptors(plan: freshPlan, sinceAge: nil)),
    ("relaying, idle", .relaying(relay())),
    ("relaying, pipes", .relaying(relay(toServer: .pipe(read: 2, write: 3), toClient: .pipe(read: 4, write: 5)))),
    ("relaying, buffers", .relaying(relay(toServer: .buffer(inline: [1, 2, 3]), toClient: .buffer(inline: [])))),
    (
      "forwardingAfterReset",
      .forwardingAfterReset(relay(toClient: .pipe(read: 2, write: 3)), reason: "server_reset", side: .toClient)
    ),
    ("answering", .answering(pool: "app", file: 1, offset: 65_536, sent: false)),
    ("answering, sent", .answering(pool: "", file: 1, offset: 0, sent: true)),
  ]

  static func session(_ phase: SessionRecord.Phase, id: UInt32 = 5) -> SessionRecord {
    SessionRecord(
      id: id, worker: 1, flags: [.urgentFromClient, .pumpOnce], client: 0, peerAddress: ipv4, clientAddress: ipv6,
      destinationAddress: unix, generation: 2, listenerName: "web", counterRow: 3, pool: "app",
      serverName: "example.com", acceptedAge: 9_000_000_000, queuedAge: nil, connectStartedAge: 0,
      connectedAge: 1, timerRemaining: 30_000_000_000, phase: phase)
  }

  static let mirror = MirrorRecord(
    id: 9, owner: 5, socket: 0, pipeRead: 1, pipeWrite: 2, listenerRow: 3, lingerBound: 5_000_000_000,
    flags: [.writable, .sourceEnded], pending: 100, state: .finished, timerRemaining: 2_000)
  static let lingeringMirror = MirrorRecord(
    id: 10, owner: nil, socket: 0, pipeRead: nil, pipeWrite: nil, listenerRow: 0, lingerBound: 0,
    flags: [.lingering, .delivered, .shadowEnded], pending: 0, state: .active, timerRemaining: nil)

  static let listener = ListenerRecord(
    name: "web", generation: 2, bind: "0.0.0.0:0", backlog: 4096,
    boundAddress: SocketAddress(ip: "0.0.0.0", port: 43_210)!,
    activated: false, isAdmin: false, sockets: [0, 1, 2])
  static let adminListener = ListenerRecord(
    name: "admin", generation: 2, bind: "unix:/run/admin.sock", backlog: 16, boundAddress: abstractUnix,
    activated: true, isAdmin: true, sockets: [3])

  /// Two generations, one with discovered servers, every optional both ways.
  static let runningConfig = RunningConfigRecord(
    generations: [
      .init(number: 1, path: "/etc/splicer/splicer.yaml", yaml: Array("listeners: []\n".utf8), discovered: []),
      .init(
        number: 2, path: "/etc/splicer/splicer.yaml", yaml: Array("workers: 2\n".utf8),
        discovered: [
          .init(
            pool: "app",
            servers: [
              .init(address: "10.0.0.2:8080", weight: 3, backup: false, drain: true, maxConnections: 100),
              .init(address: "[2001:db8::2]:80", weight: 1, backup: true, drain: false, maxConnections: nil),
            ])
        ]),
    ],
    workers: 2, listenerRows: ["web", "admin"], serverRows: [backend.key], listenerCapacity: 8, serverCapacity: 64,
    descriptorTotal: 12)

  /// Latency series as the old process reads them: labels that need escaping, no buckets, the
  /// largest count.
  static let histograms = [
    HistogramSnapshot(
      name: "splicer_connect_duration_seconds",
      labels: [HistogramSnapshot.Label("pool", "app"), HistogramSnapshot.Label("server", backend.key.address)],
      buckets: [
        HistogramSnapshot.Bucket(upperBound: 0.000_25, count: 1), HistogramSnapshot.Bucket(upperBound: 0.001, count: 4),
        HistogramSnapshot.Bucket(upperBound: 1, count: 9),
      ], count: 10, sum: 2.5),
    HistogramSnapshot(
      name: "splicer_connection_duration_seconds", labels: [HistogramSnapshot.Label("listener", "web \"a\\b\"\n")],
      buckets: [], count: UInt64.max, sum: 0),
  ]

  static let counts = UpgradeWorkerCounts(worker: 1, sessions: 4000, mirrors: 3, descriptors: 9000, bytes: 1 << 24)

  /// Every message type with a layout, by label.
  static let messages: [(String, UpgradeMessage)] =
    [
      (
        "hello",
        .hello(
          UpgradeHello(
            binaryVersion: "1.4.0", bootID: "6f1c8d4e-0b7a-4c53-9a7e-2d1f0e9b8c7a", uid: 996, pid: 4242,
            configDigest: Array(0..<32)))
      ),
      (
        "welcome",
        .welcome(UpgradeWelcome(chosenVersion: 1, oldBinaryVersion: "1.3.9", oldPID: 17, freezeTimeout: 2_000_000_000))
      ),
      ("runningConfig", .runningConfig(RunningConfigChunk(index: 1, count: 3, bytes: Array(0..<200)))),
      ("refuse", .refuse(UpgradeNotice(.incompatibleVersion, "old speaks 3...3, new speaks 4...5"))),
      ("listeners", .listeners([listener, adminListener])),
      ("readyForState", .readyForState),
      ("workerBegin", .workerBegin(counts, freezeInstant: 987_654_321_000)),
      ("sessionBatch", .sessionBatch(phases.map { session($0.1) })),
      ("empty sessionBatch", .sessionBatch([])),
      (
        "bytes",
        .bytes(UpgradeBytesChunk(session: 5, side: .toClient, offset: 61_000, bytes: Array(repeating: 7, count: 300)))
      ),
      ("mirrorBatch", .mirrorBatch([mirror, lingeringMirror])),
      ("workerEnd", .workerEnd(counts, recordsCRC: 0xDEAD_BEEF)),
      ("counters", .counters(CounterSnapshot(table: .servers, firstRow: 4, columns: 3, values: [1, 2, 3, 4, 5, 6]))),
      (
        "health",
        .health(
          HealthSnapshot(
            servers: [
              HealthSnapshot.Server(row: 0, down: true, passiveFailures: 3, counters: [1, 2, 3, 4, 5, 6]),
              HealthSnapshot.Server(row: 1, down: false, passiveFailures: 0, counters: [0, 0, 0, 0, 0, UInt64.max]),
            ],
            series: [HealthSnapshot.Series(name: "reloads_success", value: 4)]))
      ),
      ("histograms", .histograms(histograms)),
      ("empty histograms", .histograms([])),
      ("batchAck", .batchAck(sequence: 41)),
      (
        "prepared",
        .prepared(UpgradePrepared(sessions: 4000, mirrors: 3, listeners: 2, descriptors: 9012, recordsCRC: 7))
      ),
      ("commit", .commit),
      ("committed", .committed(pid: 4242)),
      ("released", .released(pendingReload: true)),
      ("abort", .abort(UpgradeNotice(.descriptorsTruncated))),
    ]

  /// The descriptors a message's references need: one past the highest.
  static func descriptorCount(_ message: UpgradeMessage) -> Int {
    let references: [UInt16] =
      switch message {
      case .sessionBatch(let records): records.flatMap(\.descriptorReferences)
      case .mirrorBatch(let records): records.flatMap(\.descriptorReferences)
      case .listeners(let records): records.flatMap(\.descriptorReferences)
      default: []
      }
    return references.map { Int($0) + 1 }.max() ?? 0
  }

  /// The datagram for `message` with the descriptors it needs.
  static func datagram(_ message: UpgradeMessage, sequence: UInt32 = 3) -> [UInt8] {
    UpgradeWire.encode(message, sequence: sequence, descriptorCount: descriptorCount(message))
  }

  /// A datagram around a hand-made payload.
  static func datagram(
    type: UInt16, payload: [UInt8], descriptors: Int = 0, version: UInt16 = UpgradeWire.version
  ) -> [UInt8] {
    var writer = UpgradeWireWriter()
    writer.append(UpgradeWire.magic)
    writer.write(version)
    writer.write(type)
    writer.write(UInt32(0))
    writer.write(UInt32(payload.count))
    writer.write(UInt16(descriptors))
    writer.write(UInt16(0))
    writer.append(payload)
    return writer.bytes
  }

  /// The payload of an encoded message.
  static func payload(_ message: UpgradeMessage) -> [UInt8] {
    Array(datagram(message).dropFirst(UpgradeWire.headerLength))
  }
}
