/// What the relay directions of one worker share: the pipe and buffer pools, the mirrors' sink
/// and registry, and the counters.
/// Owned by the worker; sessions borrow it.
final class RelayResources {
  let pipes: PipePool
  let buffers: CopyBufferPool
  let stats: WorkerStats
  /// Where mirrors discard the shadows' replies, and the mirror sampling share.
  let mirrorSink = MirrorSink()
  /// Every mirror of the worker that has not closed, lingering ones included; a freeze finds
  /// them here.
  let mirrors = MirrorRegistry()

  init(pipes: PipePool, buffers: CopyBufferPool, stats: WorkerStats) {
    self.pipes = pipes
    self.buffers = buffers
    self.stats = stats
  }
}
