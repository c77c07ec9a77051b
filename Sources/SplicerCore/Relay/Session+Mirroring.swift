import SplicerSystem

/// Mirroring: a copy of the client's bytes for a server of the listener's shadow pool
/// (`mirror:`). Started when relaying starts; see `Mirror` for the data path.
extension Session {
  /// The interest of the shadow socket: no urgent data (nothing reads it but the sink).
  static let mirrorInterest: EpollEvents = [.readable, .writable, .readHangup, .edgeTriggered]

  /// Connects to a shadow server when the listener mirrors this connection, and hands the
  /// mirror to `relay`. Never fails the session: each way a mirror cannot start is counted.
  func startMirror(_ relay: Relay) {
    guard let target = listener.mirror, listener.mode == .splice,
      worker.resources.mirrorSink.sample(percent: target.samplePercent)
    else { return }
    let resources = worker.resources
    let row = listener.counterRow
    let health = worker.health
    // The first server of the shadow pool that is up and has an address: a shadow is a test
    // bed, and its load does not need balancing.
    guard let server = target.pool.servers.first(where: { health.isUp($0.id) && $0.currentAddress != nil }),
      let address = server.currentAddress
    else {
      resources.stats.countMirror(listener: row, .noServer)
      return
    }
    let pipe: Pipe
    do throws(SyscallError) {
      guard let leased = try resources.pipes.lease() else {
        resources.stats.countMirror(listener: row, .resources)
        return
      }
      pipe = leased
    } catch {
      resources.stats.countMirror(listener: row, .resources)
      return
    }
    let socket: Int32
    do throws(SyscallError) {
      socket = try Socket.startConnect(to: address).fd
    } catch {
      resources.pipes.giveBack(pipe)
      resources.stats.countMirror(listener: row, .connectFailed)
      return
    }
    // After the client's EOF, the last bytes get as long as a connect would.
    let mirror = Mirror(
      socket: socket, pipe: pipe, listenerRow: row, loop: worker.loop, resources: resources,
      lingerBound: worker.timeouts.connect)
    resources.mirrors.add(mirror)
    do throws(SyscallError) {
      try worker.loop.register(socket, events: Self.mirrorInterest, handler: mirror)
    } catch {
      mirror.drop(.resources, resources)
      return
    }
    Socket.setNoDelay(socket)
    relay.mirror = mirror
  }
}
