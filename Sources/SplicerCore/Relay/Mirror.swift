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
/// The mirror ends with its session. One exception: when the client has sent its EOF and the
/// session closes while the last bytes are still in the mirror's pipe, the loop keeps the
/// mirror (through its registration and timer) until they are out and the FIN follows, or
/// until `lingerBound` has passed (then: reset, `unfinished`).
final class Mirror: EventHandler, TimerTarget {
  enum State {
    case active
    /// The client's FIN has gone on to the shadow; the mirror waits for the session's end.
    case finished
    case closed
  }

  let socket: Int32
  private let listenerRow: Int
  private unowned let loop: EventLoop
  private let resources: RelayResources
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
    }
    if events.contains(.readable) || events.contains(.readHangup) {
      do throws(SyscallError) {
        _ = try resources.mirrorSink.discard(from: socket)
      } catch {
        drop(failure(error.errno), resources)
        return
      }
    }
    if events.contains(.writable) {
      writable = true
      flush(resources)
    }
  }

  /// The session closes: a mirror with every byte delivered completes; one with bytes still
  /// in its pipe lingers if the client's EOF is behind them, else it is reset, since a FIN
  /// would pass the cut copy off as complete.
  func close(_ resources: RelayResources) {
    guard state != .closed, !lingering else { return }
    if pending == 0 {
      end(.completed, abort: false, resources)
    } else if sourceEnded {
      lingering = true
      loop.schedule(self, at: loop.now &+ lingerBound)
    } else {
      drop(.unfinished, resources)
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
      if lingering { end(.completed, abort: false, resources) }
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
    loop.forget(socket)
    if abort { Socket.setResetOnClose(socket) }
    Socket.close(socket)
  }
}
