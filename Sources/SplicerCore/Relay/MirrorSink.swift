import Glibc
import SplicerSystem

/// Where one worker's mirrors throw the shadows' replies away, without them entering user
/// space: splice(shadow socket → `pipe`), then splice(`pipe` → /dev/null).
///
/// Owned by the worker (through `RelayResources`), shared by all its mirrors. Opened on first
/// use, so a worker without mirrors holds neither the pipe nor the /dev/null descriptor. The
/// pipe is empty between calls: each discard drains what it spliced in.
final class MirrorSink {
  private var pipe: Pipe?
  private var devNull: Int32 = -1
  /// Accumulates `sample` percent per relayed connection; a connection is mirrored each time
  /// it reaches 100 (an exact share per worker, without randomness).
  private var sampleCredit = 0

  /// Whether the next connection of a listener that mirrors `percent` % is mirrored.
  func sample(percent: Int) -> Bool {
    if percent >= 100 { return true }
    sampleCredit += percent
    guard sampleCredit >= 100 else { return false }
    sampleCredit -= 100
    return true
  }

  /// Reads and drops what `socket` has, up to a bound per call. Returns false at EOF; throws
  /// what the socket's read failed with (a reset).
  func discard(from socket: Int32) throws(SyscallError) -> Bool {
    guard let pipe = try openedPipe() else { return true }
    for _ in 0..<16 {
      switch try DataTransfer.splice(from: socket, to: pipe.writeEnd, length: pipe.capacity) {
      case .wouldBlock: return true
      case .processed(0): return false
      case .processed(let count): drain(pipe, count)
      }
    }
    return true
  }

  /// Empties the pipe into /dev/null, which takes everything at once.
  private func drain(_ pipe: Pipe, _ count: Int) {
    var left = count
    while left > 0 {
      guard case .processed(let moved)? = try? DataTransfer.splice(from: pipe.readEnd, to: devNull, length: left),
        moved > 0
      else {
        // Should not happen with /dev/null; a pipe that may hold bytes is not reused.
        pipe.close()
        self.pipe = nil
        return
      }
      left -= moved
    }
  }

  private func openedPipe() throws(SyscallError) -> Pipe? {
    if let pipe { return pipe }
    if devNull < 0 {
      devNull = Glibc.open("/dev/null", O_WRONLY | O_CLOEXEC)
      guard devNull >= 0 else { return nil }
    }
    pipe = try Pipe.make(requestedCapacity: 65536)
    return pipe
  }

  /// Closes the pipe and /dev/null; the worker calls this when it stops.
  func close() {
    pipe?.close()
    pipe = nil
    if devNull >= 0 { Glibc.close(devNull) }
    devNull = -1
  }
}
