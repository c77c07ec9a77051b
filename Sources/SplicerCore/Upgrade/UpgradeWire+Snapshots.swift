/// `CounterSnapshot` and `HealthSnapshot` on the wire (design §12).
extension UpgradeWireWriter {
  public mutating func write(_ counters: CounterSnapshot) {
    write(counters.table.rawValue)
    write(counters.firstRow)
    write(counters.columns)
    writeCount(counters.values.count)
    for value in counters.values { write(value) }
  }

  public mutating func write(_ health: HealthSnapshot) {
    writeCount(health.servers.count)
    for server in health.servers {
      write(server.row)
      write(server.down)
      write(server.passiveFailures)
      for counter in server.counters { write(counter) }
    }
    writeCount(health.series.count)
    for series in health.series {
      write(series.name)
      write(series.value)
    }
  }
}

extension UpgradeWireReader {
  public mutating func counterSnapshot() throws(UpgradeWireError) -> CounterSnapshot {
    let rawTable = try u8("counter table")
    guard let table = CounterSnapshot.Table(rawValue: rawTable) else {
      throw .unknownTag(field: "counter table", value: UInt64(rawTable))
    }
    let firstRow = try u32("first row")
    let columns = try u16("columns")
    guard columns > 0 else { throw .inconsistent("a counter table without columns") }
    let count = try count("counter values", limit: UpgradeWire.maximumPayloadLength / 8)
    guard count % Int(columns) == 0 else { throw .inconsistent("\(count) values in rows of \(columns)") }
    guard count <= remaining / 8 else { throw .truncated(field: "counter values") }
    var values: [UInt64] = []
    values.reserveCapacity(count)
    for _ in 0..<count { values.append(try u64("counter value")) }
    return CounterSnapshot(table: table, firstRow: firstRow, columns: columns, values: values)
  }

  public mutating func healthSnapshot() throws(UpgradeWireError) -> HealthSnapshot {
    var servers: [HealthSnapshot.Server] = []
    for _ in 0..<(try count("health servers", limit: UpgradeWire.maximumPayloadLength)) {
      let row = try u32("health row")
      let down = try bool("down")
      let passiveFailures = try u32("passive failures")
      var counters: [UInt64] = []
      for _ in 0..<HealthSnapshot.serverCounterCount { counters.append(try u64("health counter")) }
      servers.append(HealthSnapshot.Server(row: row, down: down, passiveFailures: passiveFailures, counters: counters))
    }
    var series: [HealthSnapshot.Series] = []
    for _ in 0..<(try count("health series", limit: UpgradeWire.maximumPayloadLength)) {
      series.append(HealthSnapshot.Series(name: try string("series name"), value: try u64("series value")))
    }
    return HealthSnapshot(servers: servers, series: series)
  }
}
