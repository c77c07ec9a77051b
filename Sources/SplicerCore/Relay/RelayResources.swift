/// What the relay directions of one worker share: the pipe and buffer pools and the counters.
/// Owned by the worker; sessions borrow it.
final class RelayResources {
  let pipes: PipePool
  let buffers: CopyBufferPool
  let stats: WorkerStats

  init(pipes: PipePool, buffers: CopyBufferPool, stats: WorkerStats) {
    self.pipes = pipes
    self.buffers = buffers
    self.stats = stats
  }
}
