extension SplicerProcess {
  /// Starts the relay on a config whose listener `listener` binds a fixed port, for tests of
  /// what the relay does with an address it holds (a listener renamed by a reload keeps its
  /// socket only on the same, non-zero, port). `yaml` gets a port that was free a moment ago;
  /// should another process take it first, the relay's start-up check refuses the address
  /// ("address in use"), and the relay is started again on another port.
  static func onFixedPort(
    attempts: Int = 5, listener: String = "test", _ yaml: (UInt16) -> String
  ) throws -> (relay: SplicerProcess, port: UInt16) {
    var lastError: Error = TestSocketError(call: "no attempt to start splicer", code: 0)
    for _ in 0..<attempts {
      let port = try TestSockets.portFreeJustNow()
      do {
        let relay = try SplicerProcess(yaml: yaml(port), listeners: [listener])
        if relay.port(listener) == port { return (relay, port) }
        relay.stop()
      } catch {
        lastError = error
      }
    }
    throw lastError
  }
}
