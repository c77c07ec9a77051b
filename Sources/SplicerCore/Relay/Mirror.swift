import Glibc
import SplicerLoop
import SplicerSystem

/// The copy of one session's client-to-server bytes on its way to a shadow server.
///
/// Owned by the session's `Relay` (and referenced by its `toServer` direction, which hands it
/// each fill). Owns the shadow socket, whose events it handles itself (so the real
/// connection's readiness flags never see them), and a pipe of its own. After each fill of the real pipe the direction calls `take`, which tee(2)s the
/// fill into the mirror's pipe without consuming or copying it, then splices the mirror's pipe
/// to the shadow. The real connection never waits: a tee that cannot take the whole fill at
/// once (the mirror's pipe still holds earlier bytes the shadow has not taken) would leave a
/// hole in the copy, so the mirror is dropped instead. Replies are discarded by the worker's
/// `MirrorSink`. Bytes that arrive before the shadow's connect completes wait in the mirror's
/// pipe, up to its capacity.
///
/// The mirror ends with its session, but not at the same instant: a socket closed with unread
/// replies sends a reset, which would also throw away what its send buffer still holds for
/// the shadow. So when the session closes, a mirror with its whole copy handed over (or
/// still in its pipe behind the client's EOF) sends its FIN once the pipe is empty and
/// lingers, kept by the loop through its registration and timer, until the shadow closes too
/// (`completed`) or `lingerBound` has passed (reset, `unfinished`). A mirror with bytes in its
/// pipe and no EOF behind them is reset at once (`unfinished`), and so is one whose session
/// ends with a reset before the client's EOF: the client's stream was cut, so the copy is too.
final class Mirror: EventHandler, TimerTarget {
  enum State {
    case active
    /// The client's FIN has gone on to the shadow; the mirror waits for the session's end.
    case finished
    case closed
  }

  let socket: Int32
  private let listenerRow: Int
  unowned let loop: EventLoop
  let resources: RelayResources
  private let lingerBound: UInt64
  /// The session has closed; the mirror finishes its last bytes on its own.
  private var lingering = false
  var timerSlot = -1
  var timerDeadline: UInt64 = 0
  private var pipe: Pipe?
  /// Bytes in the mirror's pipe.
  private var pending = 0
  private var writable = true
  private var delivered = false
  private var sourceEnded = false
  /// The shadow has closed its side (EOF on its replies).
  private var shadowEnded = false
  private(set) var state = State.active

  init(socket: Int32, pipe: Pipe, listenerRow: Int, loop: EventLoop, resources: RelayResources, lingerBound: UInt64) {
    self.socket = socket
    self.pipe = pipe
    self.listenerRow = listenerRow
    self.loop = loop
    self.resources = resources
    self.lingerBound = lingerBound
  }

  /// Duplicates the `count` bytes just spliced into the real pipe (`source`, a read end)
  /// into the mirror's pipe, and sends on what the shadow will take.
  func take(from source: Int32, count: Int, _ resources: RelayResources) {
    guard state == .active, let pipe else { return }
    if pending > 0 {
      // The shadow may have taken bytes since the last try, and its writable edge may wait
      // further down this batch of events: one splice to find out is cheaper than a drop.
      writable = true
      flush(resources)
      guard state == .active else { return }
    }
    do throws(SyscallError) {
      // The first `count` bytes of `source` are the fill: the real pipe is filled only when empty.
      guard case .processed(count) = try DataTransfer.tee(from: source, to: pipe.writeEnd, length: count) else {
        drop(.mirrorSlow, resources)
        return
      }
    } catch {
      drop(.mirrorSlow, resources)
      return
    }
    pending += count
    flush(resources)
  }

  /// The real direction had to read without a pipe: there is nothing to tee.
  func fillWithoutPipe(_ resources: RelayResources) {
    if state == .active { drop(.resources, resources) }
  }

  /// The client's EOF: once the pipe is drained, the shadow gets a FIN.
  func sourceDidEnd(_ resources: RelayResources) {
    sourceEnded = true
    flush(resources)
  }

  /// An event on the shadow socket.
  func handle(_ events: EpollEvents, fd: Int32) {
    guard state != .closed else { return }
    if events.contains(.error) || events.contains(.hangup) {
      // A hang-up without an error is both FINs exchanged: normal once the copy is out.
      let code = Socket.pendingError(socket)
      if code != 0 || pending > 0 {
        drop(failure(code == 0 ? ECONNRESET : code), resources)
        return
      }
      shadowEnded = true
    }
    if events.contains(.readable) || events.contains(.readHangup) {
      do throws(SyscallError) {
        if try !resources.mirrorSink.discard(from: socket) { shadowEnded = true }
      } catch {
        drop(failure(error.errno), resources)
        return
      }
    }
    if lingering && state == .finished && shadowEnded {
      end(.completed, abort: false, resources)
      return
    }
    if events.contains(.writable) {
      writable = true
      flush(resources)
    }
  }

  /// The session closes: see the type's comment. `sessionAborted`: the real connection ends
  /// with a reset (a peer reset it, or the relay cut it), so unless the client's EOF already
  /// reached the copy, the client's stream was cut too and the shadow must see a reset, never
  /// a FIN that would pass the cut copy off as complete.
  func close(_ resources: RelayResources, sessionAborted: Bool) {
    guard state != .closed, !lingering else { return }
    if sessionAborted && state == .active && !sourceEnded {
      drop(.unfinished, resources)
      return
    }
    if state == .active && pending == 0 {
      // Everything the client sent is with the shadow's socket: that is the whole copy.
      sourceEnded = true
      flush(resources)
    }
    if state == .active && !sourceEnded {
      // A FIN would pass the cut copy off as complete.
      drop(.unfinished, resources)
    } else if state == .finished && shadowEnded {
      end(.completed, abort: false, resources)
    } else {
      lingering = true
      loop.schedule(self, at: loop.now &+ lingerBound)
    }
  }

  func timerFired(now: UInt64) {
    if state != .closed { drop(.unfinished, resources) }
  }

  /// Drops the copy: the shadow sees a reset.
  func drop(_ result: MirrorResult, _ resources: RelayResources) {
    end(result, abort: true, resources)
  }

  private func flush(_ resources: RelayResources) {
    guard state == .active, let pipe else { return }
    while pending > 0 && writable {
      do throws(SyscallError) {
        switch try DataTransfer.splice(from: pipe.readEnd, to: socket, length: pending) {
        case .processed(let count):
          pending -= count
          delivered = true
          resources.stats.add(listener: listenerRow, .mirrorBytes, UInt64(count))
        case .wouldBlock:
          // Also while the connect is in progress: its completion raises the writable edge.
          writable = false
        }
      } catch {
        drop(failure(error.errno), resources)
        return
      }
    }
    if pending == 0 && sourceEnded {
      Socket.shutdownWrite(socket)
      state = .finished
      if lingering && shadowEnded { end(.completed, abort: false, resources) }
    }
  }

  /// Before any byte reached the shadow a refusal is a failed connect; later, a reset.
  private func failure(_ code: Int32) -> MirrorResult {
    let connectErrors = [ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL]
    return !delivered && connectErrors.contains(code) ? .connectFailed : .reset
  }

  private func end(_ result: MirrorResult, abort: Bool, _ resources: RelayResources) {
    state = .closed
    if lingering { loop.cancelTimer(self) }
    resources.stats.countMirror(listener: listenerRow, result)
    if let pipe {
      if pending == 0 { resources.pipes.giveBack(pipe) } else { resources.pipes.discard(pipe) }
      self.pipe = nil
    }
    // Replies still queued would turn a clean close into a reset.
    if !abort { _ = try? resources.mirrorSink.discard(from: socket) }
    pending = 0
    resources.mirrors.remove(self)
    loop.forget(socket)
    if abort { Socket.setResetOnClose(socket) }
    Socket.close(socket)
  }
}

// Snapshot and relinquishing for a live upgrade (`Worker+Snapshot`): here, because the
// state they read is private.
extension Mirror {
  /// The mirror as it travels, its socket at reference 0 and its pipe (if any) at 1 and 2,
  /// with those descriptors; the mirror keeps owning them.
  func record(id: UInt32, owner: UInt32?, timerRemaining: UInt64?) -> DescriptorBatcher.Item<MirrorRecord> {
    var flags: MirrorRecord.Flags = []
    if lingering { flags.insert(.lingering) }
    if writable { flags.insert(.writable) }
    if delivered { flags.insert(.delivered) }
    if sourceEnded { flags.insert(.sourceEnded) }
    if shadowEnded { flags.insert(.shadowEnded) }
    let record = MirrorRecord(
      id: id, owner: owner, socket: 0, pipeRead: pipe == nil ? nil : 1, pipeWrite: pipe == nil ? nil : 2,
      listenerRow: UInt32(listenerRow), lingerBound: lingerBound, flags: flags, pending: UInt32(pending),
      state: state == .finished ? .finished : .active, timerRemaining: timerRemaining)
    return DescriptorBatcher.Item(
      record: record, descriptors: [socket] + (pipe.map { [$0.readEnd, $0.writeEnd] } ?? []))
  }

  /// A mirror rebuilt in the new process of a live upgrade from its validated record, its
  /// shadow socket and its pipe (holding `record.pending` bytes). Registers nothing: the
  /// worker's adoption commit does (`rearm`).
  convenience init(adopting record: MirrorRecord, socket: Int32, pipe: Pipe, loop: EventLoop, resources: RelayResources)
  {
    self.init(
      socket: socket, pipe: pipe, listenerRow: Int(record.listenerRow), loop: loop, resources: resources,
      lingerBound: record.lingerBound)
    lingering = record.flags.contains(.lingering)
    writable = record.flags.contains(.writable)
    delivered = record.flags.contains(.delivered)
    sourceEnded = record.flags.contains(.sourceEnded)
    shadowEnded = record.flags.contains(.shadowEnded)
    pending = Int(record.pending)
    state = record.state == .finished ? .finished : .active
  }

  /// The mirror's pipe, for the adoption commit to count as leased.
  var adoptedPipe: Pipe? { pipe }

  /// The upgrade committed (design §8.2): the new process owns the shadow's socket and the
  /// pipe now, so this process's copies are closed plainly, never with a shutdown, SO_LINGER
  /// or a count, and the mirror is forgotten. Only on a frozen worker (nothing registered).
  func relinquish() {
    // A mirror dropped earlier (its shadow failed) closed its socket already, and its session
    // still points at it: that number may belong to something else by now.
    guard state != .closed else { return }
    state = .closed
    Glibc.close(socket)
    pipe.map {
      Glibc.close($0.readEnd); Glibc.close($0.writeEnd)
    }
    pipe = nil
    pending = 0
    resources.mirrors.remove(self)
  }
}
