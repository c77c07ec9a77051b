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
  private let maximumLeased: Int
  private let stats: WorkerStats
  private(set) var leased = 0

  init(requestedCapacity: Int, maximumIdle: Int, maximumLeased: Int? = nil, stats: WorkerStats) {
    self.requestedCapacity = requestedCapacity
    self.maximumIdle = maximumIdle
    self.maximumLeased = maximumLeased ?? .max
    self.stats = stats
  }

  /// An empty pipe, from the pool or newly made; nil when the worker's pipe limit is reached.
  /// Throws when the kernel refuses a new pipe (descriptors or pipe quota exhausted).
  func lease() throws(SyscallError) -> Pipe? {
    guard leased < maximumLeased else { return nil }
    leased += 1
    stats.add(.pipesLeased)
    if let pipe = idle.popLast() {
      stats.set(.pipesPooled, UInt64(idle.count))
      return pipe
    }
    let pipe: Pipe
    do {
      pipe = try Pipe.make(requestedCapacity: requestedCapacity)
    } catch {
      leased -= 1
      stats.add(.pipesReturned)
      throw error
    }
    stats.add(.pipesCreated)
    stats.set(.pipeCapacityGranted, UInt64(pipe.capacity))
    return pipe
  }

  /// Takes back a pipe the caller has fully drained.
  func giveBack(_ pipe: Pipe) {
    leased -= 1
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
    leased -= 1
    stats.add(.pipesReturned)
    close(pipe)
  }

  /// Counts as leased a pipe adopted with its bytes from the old process in a live upgrade;
  /// `pipesCreated` and `pipesLeased` are not counted again (they came with the counters).
  func adopt(_ pipe: Pipe) {
    leased += 1
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
