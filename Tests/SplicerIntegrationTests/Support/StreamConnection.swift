import Glibc

/// One end of a test connection: sends a `PatternStream` in random-sized writes (optionally
/// behind a prefix), hashes everything it receives, and shuts down its write side when done.
///
/// Driven by `PollDriver`; nonblocking throughout.
final class StreamConnection {
  let fd: Int32
  var prefix: [UInt8]
  var outgoing: PatternStream
  /// Don't start sending the stream until the peer's EOF has been read (half-close tests).
  var sendAfterPeerEOF = false
  /// Close with a reset after this many stream bytes were sent (backend-dies tests).
  var resetAfterSending: Int?
  /// Bytes to skip from the received stream before hashing (the protocol header).
  var receiveHeaderLength = 0
  var onHeader: (([UInt8]) -> Void)?
  /// Largest single write, chosen at random per write.
  var maximumWrite = 65_536
  /// Largest single read; small values make a slow reader.
  var maximumRead = 262_144

  private(set) var header: [UInt8] = []
  let received = SHA256Digest()
  private(set) var receivedDigest: String?
  private(set) var peerClosed = false
  private(set) var sendFinished = false
  private(set) var failure: Int32?
  private(set) var closed = false
  private var rng = SystemRandomNumberGenerator()

  init(fd: Int32, outgoing: PatternStream, prefix: [UInt8] = []) {
    self.fd = fd
    self.outgoing = outgoing
    self.prefix = prefix
  }

  var done: Bool { closed || (peerClosed && sendFinished) }

  /// Closes the socket once both directions are complete.
  func closeIfComplete() {
    if !closed && peerClosed && sendFinished { close() }
  }

  /// Hold the stream back until `onHeader` has set it up (backend side).
  var holdSend = false

  var wantsWrite: Bool {
    !closed && !sendFinished && !holdSend && (!sendAfterPeerEOF || peerClosed || !prefix.isEmpty)
  }

  var wantsRead: Bool { !closed && !peerClosed }

  func readReady(scratch: UnsafeMutableRawBufferPointer) {
    while !peerClosed && !closed {
      let limit = min(scratch.count, maximumRead)
      let count = Glibc.read(fd, scratch.baseAddress, limit)
      if count > 0 {
        var bytes = UnsafeRawBufferPointer(rebasing: scratch[0..<count])
        if header.count < receiveHeaderLength {
          let take = min(receiveHeaderLength - header.count, bytes.count)
          header.append(contentsOf: bytes[0..<take])
          bytes = UnsafeRawBufferPointer(rebasing: bytes[take...])
          if header.count == receiveHeaderLength { onHeader?(header) }
        }
        received.update(bytes)
        if maximumRead < scratch.count { return }
        continue
      }
      if count == 0 {
        peerClosed = true
        receivedDigest = received.finish()
        if header.count < receiveHeaderLength { onHeader?(header) }
        return
      }
      if errno == EAGAIN || errno == EINTR { return }
      fail(errno)
      return
    }
  }

  func writeReady(scratch: UnsafeMutableRawBufferPointer) {
    while wantsWrite {
      if !prefix.isEmpty {
        let count = prefix.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if count < 0 {
          if errno != EAGAIN && errno != EINTR { fail(errno) }
          return
        }
        prefix.removeFirst(count)
        continue
      }
      if sendAfterPeerEOF && !peerClosed { return }
      if let limit = resetAfterSending, outgoing.position >= limit {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close()
        return
      }
      if outgoing.remaining == 0 {
        shutdown(fd, Int32(SHUT_WR))
        sendFinished = true
        return
      }
      var size = Int.random(in: 1...maximumWrite, using: &rng)
      if let limit = resetAfterSending { size = min(size, max(1, limit - outgoing.position)) }
      let chunk = outgoing.peek(into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<min(size, scratch.count)]))
      let count = Glibc.write(fd, scratch.baseAddress, chunk)
      if count < 0 {
        if errno != EAGAIN && errno != EINTR { fail(errno) }
        return
      }
      outgoing.advance(by: count)
    }
  }

  private func fail(_ code: Int32) {
    failure = code
    close()
  }

  func close() {
    guard !closed else { return }
    closed = true
    if receivedDigest == nil { receivedDigest = received.finish() }
    Glibc.close(fd)
  }
}
