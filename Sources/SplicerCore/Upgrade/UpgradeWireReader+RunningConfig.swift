/// `RunningConfig`: a chunk as it travels, and the record its joined chunks decode to.
extension UpgradeWireReader {
  /// The largest config file one generation may carry.
  static let maximumConfigLength = 16 << 20

  mutating func runningConfigChunk() throws(UpgradeWireError) -> RunningConfigChunk {
    let index = try u16("chunk index")
    let count = try u16("chunk count")
    guard count >= 1, Int(count) <= RunningConfigChunk.maximumCount else {
      throw .outOfRange(field: "chunk count", value: UInt64(count), limit: UInt64(RunningConfigChunk.maximumCount))
    }
    guard index < count else { throw .inconsistent("chunk \(index) of \(count)") }
    return RunningConfigChunk(index: index, count: count, bytes: try blob("chunk bytes"))
  }

  public mutating func runningConfigRecord() throws(UpgradeWireError) -> RunningConfigRecord {
    var generations: [RunningConfigRecord.Generation] = []
    for _ in 0..<(try count("generation count", limit: Int(UInt16.max))) {
      let number = try u64("generation")
      let path = try string("config path")
      let yaml = try blob("config yaml", limit: Self.maximumConfigLength)
      var pools: [RunningConfigRecord.DiscoveredPool] = []
      for _ in 0..<(try count("discovered pool count", limit: Int(UInt16.max))) {
        let pool = try string("discovered pool")
        var servers: [RunningConfigRecord.DiscoveredPool.Server] = []
        for _ in 0..<(try count("discovered server count", limit: Int(UInt16.max))) {
          let address = try string("discovered address")
          let weight = try u16("weight")
          let backup = try bool("backup")
          let drain = try bool("drain")
          let limit = try bool("max connections present") ? try u32("max connections") : nil
          servers.append(.init(address: address, weight: weight, backup: backup, drain: drain, maxConnections: limit))
        }
        pools.append(.init(pool: pool, servers: servers))
      }
      generations.append(.init(number: number, path: path, yaml: yaml, discovered: pools))
    }
    let workers = try u16("workers")
    var listenerRows: [String] = []
    for _ in 0..<(try count("listener rows", limit: Int(UInt16.max))) {
      listenerRows.append(try string("listener row"))
    }
    var serverRows: [ServerKeyRecord] = []
    for _ in 0..<(try count("server rows", limit: Int(UInt16.max))) { serverRows.append(try serverKey()) }
    return RunningConfigRecord(
      generations: generations, workers: workers, listenerRows: listenerRows, serverRows: serverRows,
      listenerCapacity: try u32("listener capacity"), serverCapacity: try u32("server capacity"),
      descriptorTotal: try u32("descriptor total"))
  }
}
