import SplicerSystem

/// Adopting the old worker's mirrors in a live upgrade (design §4.4, `MirrorRecord`), lingering
/// ones included: validated and built per `MirrorBatch`, put in the worker's registry at
/// `commitAdoption`, where each relaying session's record names its mirror by id, and
/// registered by the worker's thread (`registerCommittedAdoption`).
extension Worker {
  /// Validates one batch of mirror records against their descriptors (socket, pipe, bytes in
  /// the pipe) and builds the mirrors, registering nothing; a batch with one bad record throws
  /// and keeps none.
  func stageMirrors(_ records: [MirrorRecord], descriptors: [Int32], freezeInstant: UInt64) throws(AdoptionError) {
    for record in records {
      func fail(_ problem: String) -> AdoptionError {
        AdoptionError(session: record.owner ?? .max, "mirror \(record.id): \(problem)")
      }
      let references = [record.socket, record.pipeRead, record.pipeWrite]
      guard references.allSatisfy({ $0.map { Int($0) < descriptors.count } ?? false }) else {
        throw fail("a mirror travels with its socket and both pipe ends")
      }
      guard (try? DescriptorInspection.kind(descriptors[Int(record.socket)])) == .socket else {
        throw fail("the shadow's socket is not a socket")
      }
      for end in [record.pipeRead!, record.pipeWrite!] {
        guard (try? DescriptorInspection.kind(descriptors[Int(end)])) == .fifo else {
          throw fail("the pipe is not a pipe")
        }
      }
      let queued = try? DescriptorInspection.queuedBytes(descriptors[Int(record.pipeRead!)])
      guard queued == Int(record.pending) else {
        throw fail("the pipe holds \(queued ?? -1) bytes, not \(record.pending)")
      }
      guard adoption.mirrors[record.id] == nil else { throw fail("a second mirror with this id") }
    }
    let now = loop.clock.now()
    let elapsed = now >= freezeInstant ? now - freezeInstant : 0
    for record in records {
      let writeEnd = descriptors[Int(record.pipeWrite!)]
      let pipe = Pipe(
        readEnd: descriptors[Int(record.pipeRead!)], writeEnd: writeEnd,
        capacity: (try? DescriptorInspection.pipeCapacity(writeEnd)) ?? 4096)
      let mirror = Mirror(
        adopting: record, socket: descriptors[Int(record.socket)], pipe: pipe, loop: loop, resources: resources)
      let deadline = record.timerRemaining.map { now &+ ($0 > elapsed ? $0 - elapsed : 0) }
      adoption.mirrors[record.id] = .init(mirror: mirror, deadline: deadline)
    }
  }

  /// Whether every relay staged names a mirror that was staged too: the receiver's last check
  /// before it reports `Prepared`.
  func checkAdoptedMirrors() throws(AdoptionError) {
    for entry in adoption.staged {
      if let id = entry.mirror, adoption.mirrors[id] == nil {
        throw AdoptionError(session: entry.id, "no mirror \(id)")
      }
    }
  }
}
