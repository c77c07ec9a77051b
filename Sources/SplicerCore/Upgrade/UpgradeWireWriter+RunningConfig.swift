/// `RunningConfig`'s record: the whole of it, before it is cut into chunks.
extension UpgradeWireWriter {
  public mutating func write(_ record: RunningConfigRecord) {
    writeCount(record.generations.count)
    for generation in record.generations {
      write(generation.number)
      write(generation.path)
      writeBlob(generation.yaml)
      writeCount(generation.discovered.count)
      for pool in generation.discovered {
        write(pool.pool)
        writeCount(pool.servers.count)
        for server in pool.servers {
          write(server.address)
          write(server.weight)
          write(server.backup)
          write(server.drain)
          write(server.maxConnections != nil)
          if let limit = server.maxConnections { write(limit) }
        }
      }
    }
    write(record.workers)
    writeCount(record.listenerRows.count)
    for name in record.listenerRows { write(name) }
    writeCount(record.serverRows.count)
    for key in record.serverRows { write(key) }
    write(record.listenerCapacity)
    write(record.serverCapacity)
    write(record.descriptorTotal)
  }

  mutating func write(_ chunk: RunningConfigChunk) {
    write(chunk.index)
    write(chunk.count)
    writeBlob(chunk.bytes)
  }
}
