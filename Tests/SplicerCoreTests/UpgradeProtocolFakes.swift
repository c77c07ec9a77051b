import Glibc
import SplicerCore
import SplicerSystem

/// The identity of one file, to tell that a received descriptor is the one that was sent.
func fileIdentity(_ fd: Int32) -> [UInt64]? {
  var status = stat()
  guard fstat(fd, &status) == 0 else { return nil }
  return [UInt64(status.st_dev), UInt64(status.st_ino)]
}

/// The open pipes and sockets of this process: what a handover passes, and so what it could
/// leak. Other descriptors are left out, since the runtime opens some lazily (on a thread's
/// first use, say) while a test runs.
func openDescriptorCount() -> Int {
  let names = DirectoryEntries.names(in: "/proc/self/fd") ?? []
  return names.filter { name in
    var target = [CChar](repeating: 0, count: 256)
    let length = readlink("/proc/self/fd/\(name)", &target, target.count - 1)
    guard length > 0 else { return false }
    let text = String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return text.hasPrefix("pipe:") || text.hasPrefix("socket:")
  }.count
}

/// A donor over real pipes standing in for sockets: two workers, sessions of several phases,
/// one with a copy buffer too large for a message (it spills into `Bytes`), and enough large
/// sessions that the batches outrun the window. Counts every call.
final class FakeUpgradeDonor: UpgradeDonor, @unchecked Sendable {
  private typealias F = UpgradeWireFixtures

  let pipes: [Pipe]
  let listeners: [DescriptorBatcher.Item<ListenerRecord>]
  let handovers: [WorkerHandover]
  var freezes = 0
  var resumes = 0
  var relinquishes = 0
  var listenerReleases = 0
  /// What `histograms()` gives: none unless a test sets some.
  var histogramSeries: [HistogramSnapshot] = []

  init() throws {
    pipes = try (0..<3).map { _ in try Pipe.make(requestedCapacity: 4096) }
    let ends = pipes.flatMap { [$0.readEnd, $0.writeEnd] }
    listeners = [
      .init(record: F.listener.mappingDescriptors { $0 }, descriptors: [ends[0], ends[1], ends[2]]),
      .init(record: F.adminListener.mappingDescriptors { _ in 0 }, descriptors: [ends[3]]),
    ]
    // Each record gets as many stand-ins as its references need, from a rotating start.
    func item(_ record: SessionRecord, from start: Int = 0) -> DescriptorBatcher.Item<SessionRecord> {
      let needed = (record.descriptorReferences.max().map(Int.init) ?? 0) + 1
      return .init(record: record, descriptors: (0..<needed).map { ends[(start + $0) % ends.count] })
    }
    var first = F.phases.enumerated().map { item(F.session($0.element.1, id: UInt32($0.offset))) }
    let spilling = F.session(
      .relaying(F.relay(toServer: .buffer(inline: (0..<150_000).map { UInt8(truncatingIfNeeded: $0) }))), id: 100)
    first.append(item(spilling, from: 4))
    let second = (0..<12).map { index in
      let inline = [UInt8](repeating: UInt8(index), count: 40_000)
      return item(
        F.session(.relaying(F.relay(toClient: .buffer(inline: inline))), id: 200 + UInt32(index)), from: index)
    }
    let mirror = DescriptorBatcher.Item(record: F.mirror, descriptors: [ends[0], ends[1], ends[2]])
    handovers = [
      WorkerHandover(worker: 0, freezeInstant: 1_000, sessions: first, mirrors: [mirror]),
      WorkerHandover(worker: 1, freezeInstant: 2_000, sessions: second, mirrors: []),
    ]
  }

  var allSessions: [DescriptorBatcher.Item<SessionRecord>] { handovers.flatMap(\.sessions) }
  var allMirrors: [DescriptorBatcher.Item<MirrorRecord>] { handovers.flatMap(\.mirrors) }

  var descriptorTotal: Int {
    (listeners.map(\.descriptors.count) + allSessions.map(\.descriptors.count) + allMirrors.map(\.descriptors.count))
      .reduce(0, +)
  }

  func runningConfig() -> RunningConfigRecord {
    var record = F.runningConfig
    record.descriptorTotal = UInt32(descriptorTotal)
    return record
  }

  func listenerRecords() -> [DescriptorBatcher.Item<ListenerRecord>] { listeners }

  func freeze(timeout: Duration) throws -> [WorkerHandover] {
    freezes += 1
    return handovers
  }

  func counters() -> [CounterSnapshot] {
    [
      CounterSnapshot(table: .servers, firstRow: 0, columns: 2, values: [1, 2, 3, 4]),
      CounterSnapshot(table: .servers, firstRow: 2, columns: 2, values: [5, 6]),
    ]
  }

  func health() -> HealthSnapshot {
    HealthSnapshot(
      servers: [HealthSnapshot.Server(row: 0, down: false, passiveFailures: 1, counters: [1, 2, 3, 4, 5, 6])],
      series: [])
  }

  func histograms() -> [HistogramSnapshot] { histogramSeries }

  func resume() { resumes += 1 }
  func relinquish() { relinquishes += 1 }
  func releaseListeners() { listenerReleases += 1 }

  func close() { pipes.forEach { $0.close() } }
}

/// A recipient that keeps what it is given: every record, with the identity of each file its
/// references point at (checked usable with `fstat` on arrival), and after `commit` the
/// descriptors it then owns.
final class FakeUpgradeRecipient: UpgradeRecipient, @unchecked Sendable {
  var config: RunningConfigRecord?
  var listeners: [ListenerRecord] = []
  var sessions: [(record: SessionRecord, files: [[UInt64]])] = []
  var mirrors: [(record: MirrorRecord, files: [[UInt64]])] = []
  var seeded: ([CounterSnapshot], HealthSnapshot)?
  var seededHistograms: [HistogramSnapshot]?
  var received: [Int32] = []
  var committed = false

  struct Unusable: Error {}

  private func files(_ references: [UInt16], in descriptors: [Int32]) throws -> [[UInt64]] {
    try references.map { reference in
      guard let identity = fileIdentity(descriptors[Int(reference)]) else { throw Unusable() }
      return identity
    }
  }

  func adoptListeners(_ records: [ListenerRecord], descriptors: [Int32]) throws {
    _ = try records.map { try files($0.descriptorReferences, in: descriptors) }
    listeners += records
    received += descriptors
  }

  func adoptSessions(_ records: [SessionRecord], descriptors: [Int32], worker: Int, freezeInstant: UInt64) throws {
    for record in records { sessions.append((record, try files(record.descriptorReferences, in: descriptors))) }
    received += descriptors
  }

  func adoptMirrors(_ records: [MirrorRecord], descriptors: [Int32], worker: Int, freezeInstant: UInt64) throws {
    for record in records { mirrors.append((record, try files(record.descriptorReferences, in: descriptors))) }
    received += descriptors
  }

  func seed(counters: [CounterSnapshot], health: HealthSnapshot) throws { seeded = (counters, health) }

  func seed(histograms: [HistogramSnapshot]) throws { seededHistograms = histograms }

  func prepare() throws -> UpgradePrepared {
    UpgradePrepared(
      sessions: UInt32(sessions.count), mirrors: UInt32(mirrors.count), listeners: UInt32(listeners.count),
      descriptors: UInt32(received.count), recordsCRC: 0)
  }

  func commit() { committed = true }

  /// What a committed recipient owns.
  func closeReceived() {
    received.forEach { _ = Glibc.close($0) }
    received = []
  }
}
