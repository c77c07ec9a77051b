import Glibc
import SplicerHealth
import SplicerRouting
import SplicerSystem

/// Rebuilding a session in the new process of a live upgrade from its `SessionRecord`, the
/// descriptors received with it and the old worker's freeze instant (design §4.4, §5.1).
/// Validation makes only read-only calls on the descriptors; building registers nothing and
/// counts nothing: `Worker.commitAdoption` does that, after the upgrade's commit.
extension Session {
  /// What validation looked up for the build.
  struct AdoptionLookup {
    let pool: BackendPool?
    let backend: Backend?
  }

  /// Checks `record` against its descriptors (`descriptors[ref]`) and the rebuilt `context`:
  /// socket and pipe types, the client's peer, the bytes in each pipe, the pool and server
  /// keys. Throws at the first mismatch.
  static func validateAdoption(
    _ record: SessionRecord, descriptors: [Int32], context: ListenerContext, bufferSize: Int
  ) throws(AdoptionError) -> AdoptionLookup {
    let id = record.id
    func fail(_ problem: String) -> AdoptionError { AdoptionError(session: id, problem) }
    func descriptor(_ reference: UInt16) throws(AdoptionError) -> Int32 {
      guard Int(reference) < descriptors.count else { throw fail("descriptor reference \(reference) out of range") }
      return descriptors[Int(reference)]
    }
    func expect(_ reference: UInt16, _ kind: DescriptorInspection.Kind, _ what: String) throws(AdoptionError) {
      let fd = try descriptor(reference)
      guard (try? DescriptorInspection.kind(fd)) == kind else { throw fail("\(what) is not a \(kind)") }
    }
    // A client that reset or closed while the upgrade ran has no peer any more (ENOTCONN): its
    // session finds out at its first pump, as it would have in the old process. Only another
    // peer is a wrong descriptor. `getpeername` also checks the type: it fails with ENOTSOCK
    // on anything but a socket, so no `fstat` is needed (one system call less per session).
    let client = try descriptor(record.client)
    let peer: SocketAddress?
    do {
      peer = try DescriptorInspection.peerAddress(client)
    } catch {
      guard error.errno == ENOTCONN else {
        throw fail(error.errno == ENOTSOCK ? "the client is not a socket" : "the client socket has no peer: \(error)")
      }
      peer = nil
    }
    if let peer, peer != record.peerAddress {
      throw fail("the client socket's peer is \(peer), not \(record.peerAddress)")
    }
    let pools = context.routes.routePools + [context.routes.defaultPool].compactMap { $0 }
    let pool = record.pool.isEmpty ? nil : pools.first { $0.name == record.pool }
    if !record.pool.isEmpty && pool == nil { throw fail("no pool \(record.pool) in listener \(context.name)") }
    func backend(_ reference: BackendReference) throws(AdoptionError) -> Backend {
      guard let pool, let server = pool.servers.first(where: { $0.id == Int(reference.id) }),
        server.name == reference.key.address, pool.name == reference.key.pool
      else { throw fail("no server \(reference.key.address) with id \(reference.id) in pool \(record.pool)") }
      return server
    }
    func relay(_ relay: RelayRecord) throws(AdoptionError) -> Backend {
      try expect(relay.server, .socket, "the server")
      for side in RelaySideRecord.allCases {
        let direction = relay[side]
        switch direction.carrier {
        case .none:
          guard direction.pending == 0 else { throw fail("\(side) has \(direction.pending) bytes and no carrier") }
        case .pipe(let read, let write):
          try expect(read, .fifo, "\(side)'s pipe")
          try expect(write, .fifo, "\(side)'s pipe")
          let queued = try? DescriptorInspection.queuedBytes(try descriptor(read))
          guard queued == Int(direction.pending) else {
            throw fail("\(side)'s pipe holds \(queued ?? -1) bytes, not \(direction.pending)")
          }
        case .buffer(let bytes):
          guard bytes.count == Int(direction.pending), bytes.count <= bufferSize else {
            throw fail("\(side)'s buffer of \(bytes.count) bytes for \(direction.pending) pending")
          }
        }
      }
      return try backend(relay.backend)
    }
    switch record.phase {
    case .readingProxyHeader, .inspecting, .waitingForDescriptors:
      return AdoptionLookup(pool: pool, backend: nil)
    case .queued(let plan, let lastTried, _):
      guard let pool else { throw fail("a queued session without a pool") }
      if let index = plan.lastTried {
        guard Int(index) < pool.servers.count, lastTried == key(of: pool.servers[Int(index)], in: pool) else {
          throw fail("the server last tried is not \(lastTried.map { "\($0.address)" } ?? "known")")
        }
      }
      return AdoptionLookup(pool: pool, backend: nil)
    case .connecting(_, let server, let reference):
      try expect(server, .socket, "the server")
      return AdoptionLookup(pool: pool, backend: try backend(reference))
    case .relaying(let record):
      return AdoptionLookup(pool: pool, backend: try relay(record))
    case .forwardingAfterReset(let record, let reason, _):
      guard CloseReason.allCases.contains(where: { $0.description == reason }) else {
        throw fail("unknown close reason \(reason)")
      }
      return AdoptionLookup(pool: pool, backend: try relay(record))
    case .answering(let poolName, let file, let offset, _):
      guard pool != nil, poolName == record.pool else { throw fail("no pool \(poolName) for its fallback answer") }
      try expect(file, .regularFile, "the fallback file")
      let size = (try? DescriptorInspection.fileSize(try descriptor(file))) ?? -1
      guard offset <= UInt64(max(size, 0)) else {
        throw fail("fallback offset \(offset) past the file's \(size) bytes")
      }
      return AdoptionLookup(pool: pool, backend: nil)
    }
  }

  /// Builds the session from a validated record. `base` is the instant the old freeze instant
  /// stands for on this clock (now minus the time spent frozen): every age counts back from it.
  convenience init(
    adopting record: SessionRecord, descriptors: [Int32], context: ListenerContext, lookup: AdoptionLookup,
    worker: Worker, base: UInt64
  ) throws(AdoptionError) {
    func instant(_ age: UInt64?) -> UInt64? { age.map { base &- $0 } }
    self.init(
      client: descriptors[Int(record.client)], peerAddress: record.peerAddress, listener: context, worker: worker)
    clientAddress = record.clientAddress
    destinationAddress = record.destinationAddress
    pool = lookup.pool
    serverName = record.serverName
    timeline = SessionTimeline(acceptedAt: instant(record.acceptedAge) ?? base)
    timeline.queuedAt = instant(record.queuedAge)
    timeline.connectStartedAt = instant(record.connectStartedAge)
    timeline.connectedAt = instant(record.connectedAge)
    urgentFromClient = record.flags.contains(.urgentFromClient)
    urgentFromServer = record.flags.contains(.urgentFromServer)
    func plan(_ plan: ConnectPlanRecord) -> ConnectPlan {
      ConnectPlan(
        attemptsLeft: Int(plan.attemptsLeft), lastTried: plan.lastTried.map(Int.init), repeatPending: plan.repeatPending
      )
    }
    switch record.phase {
    case .readingProxyHeader: phase = .readingProxyHeader
    case .inspecting(let raised): phase = .inspecting(lowWatermarkRaised: raised)
    case .queued(let record, _, _): phase = .queued(plan(record))
    case .waitingForDescriptors(let record, let age):
      phase = .waitingForDescriptors(plan(record), since: instant(age) ?? base)
    case .connecting(let record, let server, _):
      phase = .connecting(plan(record), ConnectAttempt(server: descriptors[Int(server)], backend: lookup.backend!))
    case .relaying(let record):
      phase = .relaying(adoptedRelay(record, descriptors: descriptors, backend: lookup.backend!, instant: instant))
    case .forwardingAfterReset(let record, let label, let side):
      let relay = adoptedRelay(record, descriptors: descriptors, backend: lookup.backend!, instant: instant)
      let reason = CloseReason.allCases.first { $0.description == label }!
      phase = .forwardingAfterReset(relay, reason: reason, remaining: side == .toServer ? .toServer : .toClient)
    case .answering(let poolName, let file, let offset, let sent):
      // The same open file, even if the path now names another: on a duplicate, so that the
      // session's file and the upgrade's ledger each close their own descriptor (the worker
      // closes the received one at the commit).
      let path = listener.fallbacks[poolName]?.path ?? poolName
      let duplicate = fcntl(descriptors[Int(file)], F_DUPFD_CLOEXEC, 0)
      guard duplicate >= 0, let adopted = try? FallbackFile(adopting: duplicate, path: path) else {
        if duplicate >= 0 { Glibc.close(duplicate) }
        throw AdoptionError(session: record.id, "no descriptor for the fallback file: errno \(errno)")
      }
      phase = .answering(FallbackAnswer(file: adopted, offset: Int(offset), sent: sent))
    }
  }

  private func adoptedRelay(
    _ record: RelayRecord, descriptors: [Int32], backend: Backend, instant: (UInt64?) -> UInt64?
  ) -> Relay {
    let server = descriptors[Int(record.server)]
    let relay = Relay(
      client: client, attempt: ConnectAttempt(server: server, backend: backend), mode: listener.mode,
      urgentFromClient: false, urgentFromServer: false, serverReadable: true, now: instant(record.lastActivityAge) ?? 0)
    func pipe(_ carrier: DirectionRecord.Carrier) -> Pipe? {
      guard case .pipe(let read, let write) = carrier else { return nil }
      let writeEnd = descriptors[Int(write)]
      let capacity = (try? DescriptorInspection.pipeCapacity(writeEnd)) ?? 4096
      return Pipe(readEnd: descriptors[Int(read)], writeEnd: writeEnd, capacity: capacity)
    }
    let resources = worker.resources
    relay.toServer = RelayDirection(
      adopting: record.toServer, source: client, destination: server, pipe: pipe(record.toServer.carrier),
      resources: resources)
    relay.toClient = RelayDirection(
      adopting: record.toClient, source: server, destination: client, pipe: pipe(record.toClient.carrier),
      resources: resources)
    relay.paced = PacedRates(download: record.pacedDownload, upload: record.pacedUpload)
    return relay
  }
}
