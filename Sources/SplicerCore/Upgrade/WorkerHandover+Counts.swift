/// What a worker's `WorkerBegin` announces, counted from its records before any batch is built
/// (the coordinator sends each batch as soon as it is filled, so the counts cannot wait for
/// the batches).
extension WorkerHandover {
  /// Sessions, mirrors, the descriptors their items carry, and the copy-buffer bytes that
  /// travel as `Bytes` (`DescriptorBatcher.spilledBytes`).
  public var counts: UpgradeWorkerCounts {
    let descriptors =
      sessions.reduce(0) { $0 + $1.descriptors.count } + mirrors.reduce(0) { $0 + $1.descriptors.count }
    return UpgradeWorkerCounts(
      worker: UInt16(worker), sessions: UInt32(sessions.count), mirrors: UInt32(mirrors.count),
      descriptors: UInt32(descriptors),
      bytes: DescriptorBatcher.spilledBytes(sessions) + DescriptorBatcher.spilledBytes(mirrors))
  }
}
