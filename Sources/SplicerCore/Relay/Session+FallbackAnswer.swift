import SplicerSystem

/// The all-down answer: no server of the pool is up at the session's first pick, and the
/// pool's `when_all_down` is `respond_file`. The session sends the file with sendfile(2)
/// (the `answering` phase, bounded by the connect timeout), then lingers for the client's
/// EOF, and closes with `no_server_up`.
extension Session {
  /// No server of the pool is up (or all are draining): close, or send the fallback file.
  func allServersDown() {
    guard let pool, let file = listener.fallbacks[pool.name] else {
      close(.noServerUp)
      return
    }
    let answer = FallbackAnswer(file: file)
    phase = .answering(answer)
    worker.loop.schedule(self, at: worker.loop.now &+ worker.timeouts.connect)
    sendFallback(answer)
  }

  func answeringEvent(_ events: EpollEvents, _ answer: FallbackAnswer) {
    if answer.sent {
      // Lingering: the whole file is out and our FIN with it; wait for the client's EOF.
      if events.contains(.error) {
        close(.noServerUp)
      } else {
        // A hang-up here is the client's FIN after ours, and the client's last bytes may have
        // come with it: read them first, or the close would find them unread and reset the
        // connection, dropping the part of the file still in the send queue.
        discardClientInput()
      }
    } else if events.contains(.error) || events.contains(.hangup) {
      close(socketFailure(errno: Socket.pendingError(client), onClientSide: true))
    } else if events.contains(.writable) {
      sendFallback(answer)
    }
  }

  /// Sends what the client's socket takes of the rest of the file; once all of it is out,
  /// shuts down the write side and lingers.
  private func sendFallback(_ answer: FallbackAnswer) {
    var answer = answer
    let file = answer.file
    while answer.offset < file.size {
      do {
        switch try DataTransfer.sendFile(file.fd, to: client, offset: &answer.offset, count: file.size - answer.offset)
        {
        case .processed(0): break
        case .processed: continue
        case .wouldBlock:
          phase = .answering(answer)
          return
        }
      } catch {
        phase = .answering(answer)
        close(socketFailure(errno: error.errno, onClientSide: true))
        return
      }
      break
    }
    Socket.shutdownWrite(client)
    // Closing now would reset the connection if the client sent anything we never read (an
    // HTTP request, say), and a reset makes the client's kernel drop the fallback it has not
    // yet handed to the application. So linger: read and discard until the client's EOF, for
    // at most another connect timeout.
    answer.sent = true
    phase = .answering(answer)
    worker.loop.schedule(self, at: worker.loop.now &+ worker.timeouts.connect)
    discardClientInput()
  }

  /// Reads and drops what the client sends while the session lingers after the fallback;
  /// closes on the client's EOF or error.
  private func discardClientInput() {
    withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 16) { scratch in
      while true {
        do {
          switch try DataTransfer.read(client, into: scratch) {
          case .wouldBlock: return
          case .processed(0):
            close(.noServerUp)
            return
          case .processed: continue
          }
        } catch {
          close(.noServerUp)
          return
        }
      }
    }
  }
}
