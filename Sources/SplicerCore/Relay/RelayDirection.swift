import Glibc
import SplicerConfig
import SplicerSystem

/// One direction of a session's relay: bytes from `source` to `destination`.
///
/// The same pump serves both directions and both transports (nginx's one-pump design):
/// `.splice` moves socket -> pipe -> socket without the bytes entering user space; `.copy`
/// reads into and writes from a user-space buffer. The direction borrows both sockets from its
/// session and owns the pipe or buffer it leases, which it holds only while bytes are in
/// flight, so an idle connection holds no pipe.
///
/// Readiness is tracked here because the loop is edge-triggered: the session sets
/// `sourceReadable` / `destinationWritable` from events, and the pump clears them only on
/// EAGAIN, which is the only proof that the socket has nothing more to give or take.
struct RelayDirection {
  enum Outcome: Equatable {
    /// Waiting for readiness; nothing more to do now.
    case waiting
    /// The budget ran out with work left: call `pump` again soon.
    case yielded
    /// EOF from the source was forwarded as a FIN after the last byte.
    case finished
    /// A call failed on the source (`onSource`) or the destination.
    case failed(errno: Int32, onSource: Bool)
  }

  let source: Int32
  let destination: Int32
  var sourceReadable = false
  var destinationWritable = false
  /// The source reported TCP urgent data (EPOLLPRI) that the pump has not yet stepped over.
  /// splice(2) stops at the urgent mark and reports EAGAIN there (or EOF, when the FIN has
  /// arrived), so the pump must look for the mark itself; this flag spares it the look on
  /// every ordinary EAGAIN.
  var urgentSignalled = false
  /// Whether the source's EOF goes on as a FIN. Turned off when the destination's peer must
  /// get a reset instead, once the last byte is out (`Session.Phase.forwardingAfterReset`).
  var forwardsEndOfStream = true
  /// The copy for a shadow server, handed each fill (client to server only); nil: none.
  var mirror: Mirror?
  private(set) var mode: RelayMode
  private(set) var sourceClosed = false
  private(set) var finished = false
  private(set) var bytesRelayed: UInt64 = 0

  private var pipe: Pipe?
  private var buffer: UnsafeMutableRawBufferPointer?
  /// Bytes read from the source and not yet written: in the pipe, or `buffer[start..<end]`.
  private var pending = 0
  private var bufferStart = 0

  /// Whether bytes read from the source still wait to be written.
  var hasPendingBytes: Bool { pending > 0 }

  /// How many fills one `pump` call may do before it yields to other sessions.
  static let fillBudget = 16
  /// The budget of every pump in the first turn after a live upgrade's adoption, when every
  /// session has a pause's worth of bytes queued: one fill each, so that each session's first
  /// bytes move before any catches up on its backlog (which the next turns do with the full
  /// budget).
  static let catchUpBudget = 1

  init(source: Int32, destination: Int32, mode: RelayMode) {
    self.source = source
    self.destination = destination
    self.mode = mode
  }

  /// Moves as many bytes as the sockets allow now, up to `budget` fills.
  mutating func pump(_ resources: RelayResources, budget: Int = fillBudget) -> Outcome {
    var fills = 0
    while true {
      if pending > 0 {
        guard destinationWritable else { return .waiting }
        do throws(SyscallError) {
          switch try flush(resources) {
          case .processed:
            // A buffer that stood in for a pipe goes back as soon as it is empty.
            if pending == 0 && mode == .splice && buffer != nil { release(resources) }
            continue
          case .wouldBlock:
            destinationWritable = false
            return .waiting
          }
        } catch {
          return .failed(errno: error.errno, onSource: false)
        }
      }
      // Never forward the FIN while bytes are still in flight: only here is the pipe empty.
      if sourceClosed {
        release(resources)
        if !finished {
          finished = true
          if forwardsEndOfStream { Socket.shutdownWrite(destination) }
          mirror?.sourceDidEnd(resources)
        }
        return .finished
      }
      guard sourceReadable else {
        release(resources)
        return .waiting
      }
      if fills >= budget { return .yielded }
      fills += 1
      do throws(SyscallError) {
        switch try fill(resources) {
        case .processed(0): sourceClosed = true
        case .processed: break
        case .wouldBlock: sourceReadable = false
        }
      } catch {
        if mode == .splice, Self.isSpliceUnsupported(error.errno) {
          // The pipe is still empty (we only fill an empty one), so switching loses nothing.
          resources.stats.countFallback(.spliceUnsupported)
          release(resources)
          mode = .copy
          continue
        }
        return .failed(errno: error.errno, onSource: true)
      }
    }
  }

  /// Returns a drained pipe or buffer to its pool, or closes a pipe that still holds bytes.
  /// Called when the direction goes idle, when the session closes, and after each buffered
  /// fill that stood in for a pipe.
  mutating func release(_ resources: RelayResources) {
    if let pipe {
      if pending == 0 { resources.pipes.giveBack(pipe) } else { resources.pipes.discard(pipe) }
      self.pipe = nil
    }
    if let buffer {
      resources.buffers.giveBack(buffer)
      self.buffer = nil
    }
    pending = 0
    bufferStart = 0
  }

  /// Gives back a pipe or buffer that holds no byte (a direction that yielded just after a
  /// flush keeps its pipe); one that holds bytes stays. Called by a worker's freeze.
  mutating func releaseIfEmpty(_ resources: RelayResources) {
    if pending == 0 { release(resources) }
  }

  private static func isSpliceUnsupported(_ code: Int32) -> Bool {
    code == EINVAL || code == ENOSYS || code == EOPNOTSUPP
  }

  /// Reads from the source into an empty pipe, or into a buffer in copy mode and whenever no
  /// pipe can be had (then only for this fill: the next one asks for a pipe again).
  private mutating func fill(_ resources: RelayResources) throws(SyscallError) -> IOResult<Int> {
    let result: IOResult<Int>
    if mode == .splice, pipe == nil {
      do {
        pipe = try resources.pipes.lease()
      } catch {
        // The kernel refused a pipe (descriptors or pipe quota); copying still works.
      }
      if pipe == nil { resources.stats.countFallback(.pipeUnavailable) }
    }
    if let pipe {
      result = try fillPipe(pipe, resources)
      if let mirror, case .processed(let count) = result, count > 0 {
        mirror.take(from: pipe.readEnd, count: count, resources)
      }
    } else {
      mirror?.fillWithoutPipe(resources)
      if buffer == nil { buffer = resources.buffers.lease() }
      result = try DataTransfer.read(source, into: buffer!)
      bufferStart = 0
    }
    if case .processed(let count) = result { pending = count }
    return result
  }

  /// Splices from the source into the empty `pipe`, stepping over TCP's urgent mark.
  ///
  /// splice(2) reads the socket with `tcp_read_sock`, which stops at the urgent mark: there it
  /// returns EAGAIN although ordinary bytes follow, or 0, which reads as EOF, when the FIN is
  /// already queued. Taken at its word, that stalls the stream or ends it early with a FIN:
  /// a truncated stream that looks complete. At the mark, one ordinary read steps over it: like
  /// any read without SO_OOBINLINE it drops the urgent byte (as HAProxy without splice and
  /// nginx do) and returns the next ordinary byte, which goes into the pipe in order.
  private mutating func fillPipe(_ pipe: Pipe, _ resources: RelayResources) throws(SyscallError) -> IOResult<Int> {
    let result = try DataTransfer.splice(from: source, to: pipe.writeEnd, length: pipe.capacity)
    switch result {
    case .processed(let count) where count > 0:
      return result
    case .processed:
      // End of stream, or the urgent mark with the FIN behind it: one look per direction.
      break
    case .wouldBlock:
      guard urgentSignalled else { return result }
    }
    // A mark not reached yet (urgent byte still in flight) signals again when its byte comes.
    urgentSignalled = false
    guard Socket.isAtUrgentMark(source) else { return result }
    resources.stats.countFallback(.urgentMark)
    var byte: UInt8 = 0
    let source = self.source
    let read = try withUnsafeMutableBytes(of: &byte) { (buffer) throws(SyscallError) in
      try Socket.readPastUrgentMark(source, into: buffer)
    }
    guard case .processed(1) = read else { return read }
    // The pipe is empty (only an empty pipe is filled), so one byte always fits.
    _ = try withUnsafeBytes(of: byte) { (bytes) throws(SyscallError) in
      try DataTransfer.write(pipe.writeEnd, from: bytes)
    }
    return .processed(1)
  }

  /// Writes pending bytes to the destination.
  private mutating func flush(_ resources: RelayResources) throws(SyscallError) -> IOResult<Int> {
    let result: IOResult<Int>
    if let pipe {
      result = try DataTransfer.splice(from: pipe.readEnd, to: destination, length: pending)
      if case .processed(let count) = result { resources.stats.add(.bytesSpliced, UInt64(count)) }
    } else {
      let window = UnsafeRawBufferPointer(rebasing: buffer![bufferStart..<(bufferStart + pending)])
      result = try DataTransfer.write(destination, from: window)
      if case .processed(let count) = result {
        bufferStart += count
        resources.stats.add(.bytesCopied, UInt64(count))
      }
    }
    if case .processed(let count) = result {
      pending -= count
      bytesRelayed &+= UInt64(count)
    }
    return result
  }
}

// Snapshot and adoption for a live upgrade (`Session+Record`, `Session+Adoption`): here,
// because the pipe, buffer and pending count are private to this file.
extension RelayDirection {
  /// The pipe that holds pending bytes, if any: a frozen direction holds no empty pipe.
  var pendingPipe: Pipe? { pending > 0 ? pipe : nil }

  /// The direction as it travels; a pending pipe is referred to by `pipeReferences`.
  func record(pipeReferences: (read: UInt16, write: UInt16)) -> DirectionRecord {
    var flags: DirectionRecord.Flags = []
    if sourceReadable { flags.insert(.sourceReadable) }
    if destinationWritable { flags.insert(.destinationWritable) }
    if urgentSignalled { flags.insert(.urgentSignalled) }
    if forwardsEndOfStream { flags.insert(.forwardsEndOfStream) }
    if mode == .copy { flags.insert(.copyMode) }
    if sourceClosed { flags.insert(.sourceClosed) }
    if finished { flags.insert(.finished) }
    var carrier = DirectionRecord.Carrier.none
    if pending > 0, pipe != nil {
      carrier = .pipe(read: pipeReferences.read, write: pipeReferences.write)
    } else if pending > 0, let buffer {
      carrier = .buffer(inline: Array(buffer[bufferStart..<(bufferStart + pending)]))
    }
    return DirectionRecord(flags: flags, bytesRelayed: bytesRelayed, pending: UInt32(pending), carrier: carrier)
  }

  /// A direction rebuilt from its record, holding `pipe` (already validated to hold
  /// `record.pending` bytes) or a buffer leased from `resources` with the record's bytes at
  /// offset 0. Both readiness flags are set (design §6.3).
  init(adopting record: DirectionRecord, source: Int32, destination: Int32, pipe: Pipe?, resources: RelayResources) {
    self.init(source: source, destination: destination, mode: record.flags.contains(.copyMode) ? .copy : .splice)
    sourceReadable = true
    destinationWritable = true
    urgentSignalled = record.flags.contains(.urgentSignalled)
    forwardsEndOfStream = record.flags.contains(.forwardsEndOfStream)
    sourceClosed = record.flags.contains(.sourceClosed)
    finished = record.flags.contains(.finished)
    bytesRelayed = record.bytesRelayed
    pending = Int(record.pending)
    if let pipe {
      // Counted as leased at the commit (`Worker.commitAdoption`), not here.
      self.pipe = pipe
    } else if case .buffer(let bytes) = record.carrier, !bytes.isEmpty {
      let buffer = resources.buffers.lease()
      buffer.copyBytes(from: bytes)
      self.buffer = buffer
    }
  }
}
