import SplicerSystem

/// A worker's stock of empty pipes, so that a pipe is held only while bytes are in flight.
///
/// Owned by one worker and used only on its thread. A pipe comes back only when it is empty;
/// a pipe that may still hold bytes is closed instead (its bytes would leak into the next
/// connection).
final class PipePool {
  private var idle: [Pipe] = []
  private let requestedCapacity: Int
  private let maximumIdle: Int
  private let stats: WorkerStats

  init(requestedCapacity: Int, maximumIdle: Int, stats: WorkerStats) {
    self.requestedCapacity = requestedCapacity
    self.maximumIdle = maximumIdle
    self.stats = stats
  }

  /// An empty pipe, from the pool or newly made.
  func lease() throws(SyscallError) -> Pipe {
    stats.add(.pipesLeased)
    if let pipe = idle.popLast() {
      stats.set(.pipesPooled, UInt64(idle.count))
      return pipe
    }
    let pipe = try Pipe.make(requestedCapacity: requestedCapacity)
    stats.add(.pipesCreated)
    stats.set(.pipeCapacityGranted, UInt64(pipe.capacity))
    return pipe
  }

  /// Takes back a pipe the caller has fully drained.
  func giveBack(_ pipe: Pipe) {
    stats.add(.pipesReturned)
    if idle.count < maximumIdle {
      idle.append(pipe)
      stats.set(.pipesPooled, UInt64(idle.count))
    } else {
      close(pipe)
    }
  }

  /// Closes a leased pipe that may still hold bytes.
  func discard(_ pipe: Pipe) {
    stats.add(.pipesReturned)
    close(pipe)
  }

  /// Closes every pooled pipe; the worker calls this when it stops.
  func drain() {
    for pipe in idle { close(pipe) }
    idle.removeAll()
    stats.set(.pipesPooled, 0)
  }

  private func close(_ pipe: Pipe) {
    pipe.close()
    stats.add(.pipesClosed)
  }
}
