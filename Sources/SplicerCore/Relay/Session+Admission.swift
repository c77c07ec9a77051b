import Glibc
import SplicerConfig
import SplicerProtocol
import SplicerRouting
import SplicerSystem

/// Admission: everything between accept and the choice of a pool. Each step reads only what
/// has arrived (peeking where the bytes must still reach the server) and never waits on the
/// worker's thread; a timer bounds each.
extension Session {
  /// The longest PROXY header this reads: v2's 16-byte preamble and the largest address and
  /// TLV block the parser accepts.
  static let proxyHeaderBuffer = 16 + ProxyHeaderParser.maximumV2PayloadLength

  func beginAdmission() {
    if let acceptProxy = listener.acceptProxy {
      if !acceptProxy.trusted.isEmpty && !acceptProxy.trusted.contains(where: { $0.contains(peerAddress.ipBytes) }) {
        worker.logger.debug(
          "PROXY header from an untrusted peer refused",
          metadata: ["listener": "\(listener.name)", "peer": "\(peerAddress)"])
        close(.proxyUntrusted)
        return
      }
      phase = .readingProxyHeader
      worker.loop.schedule(self, at: worker.loop.now &+ acceptProxy.timeout.nanoseconds)
      readProxyHeader(halfClosed: false)
      return
    }
    admitAndRoute()
  }

  func admissionReadable(halfClosed: Bool) {
    switch phase {
    case .readingProxyHeader: readProxyHeader(halfClosed: halfClosed)
    case .inspecting: inspectClientHello(halfClosed: halfClosed)
    // A queued client's bytes wait in its socket until a server is connected.
    default: break
    }
  }

  /// Access rules on the client address (the PROXY header's source when there is one),
  /// then the ClientHello if any route needs the server name, then the route.
  private func admitAndRoute() {
    let source = clientAddress.ipBytes
    guard listener.routes.admits(source) else {
      worker.logger.debug("client denied", metadata: ["listener": "\(listener.name)", "client": "\(clientAddress)"])
      close(.denied)
      return
    }
    if listener.routes.needsServerName {
      phase = .inspecting(lowWatermarkRaised: false)
      worker.loop.schedule(self, at: worker.loop.now &+ listener.inspect.timeout.nanoseconds)
      inspectClientHello(halfClosed: false)
      return
    }
    route(to: listener.routes.pool(serverName: nil, source: source))
  }

  /// What the client has sent so far, left queued; nil when nothing has arrived yet, or when
  /// the session closed (the client's EOF or an error).
  private func peekClient(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
    do throws(SyscallError) {
      switch try Socket.peek(client, into: buffer) {
      case .wouldBlock: return nil
      case .processed(0):
        close(.clientClosedEarly)
        return nil
      case .processed(let count): return count
      }
    } catch {
      close(socketFailure(errno: error.errno, onClientSide: true))
      return nil
    }
  }

  // MARK: PROXY protocol

  private func readProxyHeader(halfClosed: Bool) {
    withUnsafeTemporaryAllocation(byteCount: Self.proxyHeaderBuffer, alignment: 16) { buffer in
      guard let count = peekClient(into: buffer) else { return }
      switch ProxyHeaderParser.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) {
      case .needMore:
        // The buffer holds the longest header the parser accepts, so it cannot be full here.
        if halfClosed { close(.clientClosedEarly) }
      case .invalid(let problem):
        worker.logger.debug(
          "PROXY header refused",
          metadata: ["listener": "\(listener.name)", "peer": "\(peerAddress)", "problem": "\(problem)"])
        close(.proxyHeaderInvalid)
      case .complete(let header, let length):
        // Consume exactly the header: what follows is the client's stream, for the server.
        do throws(SyscallError) {
          guard
            case .processed(length) = try DataTransfer.read(
              client, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length]))
          else {
            close(.resources)
            return
          }
        } catch {
          close(socketFailure(errno: error.errno, onClientSide: true))
          return
        }
        worker.stats.add(listener: listener.counterRow, .proxyHeaders)
        if case .proxied(let source, let destination) = header.addresses {
          clientAddress = source
          destinationAddress = destination
        }
        worker.loop.cancelTimer(self)
        admitAndRoute()
      }
    }
  }

  // MARK: TLS ClientHello

  private func inspectClientHello(halfClosed: Bool) {
    let limit = listener.inspect.maxSize
    withUnsafeTemporaryAllocation(byteCount: limit, alignment: 16) { buffer in
      guard let count = peekClient(into: buffer) else { return }
      switch ClientHelloParser.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), maximumSize: limit) {
      case .needMore:
        if halfClosed {
          inspectionFailed(.truncated)
        } else if count >= limit {
          inspectionFailed(.tooLarge)
        } else {
          waitForRecord(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), limit: limit)
        }
      case .serverName(let name):
        worker.stats.countInspection(listener: listener.counterRow, .serverName)
        serverName = name
        worker.loop.cancelTimer(self)
        route(to: listener.routes.pool(serverName: name, source: clientAddress.ipBytes))
      case .noServerName:
        worker.stats.countInspection(listener: listener.counterRow, .noServerName)
        worker.loop.cancelTimer(self)
        route(to: listener.routes.pool(serverName: nil, source: clientAddress.ipBytes))
      case .notTLS: inspectionFailed(.notTLS)
      case .malformed: inspectionFailed(.malformed)
      case .tooLarge: inspectionFailed(.tooLarge)
      }
    }
  }

  /// Each wake-up re-reads the whole ClientHello so far, so a client that sends it a byte at
  /// a time would cost quadratic copying. Once the first TLS record's header says how long the
  /// record is, the kernel is asked not to report the socket readable before all of it is
  /// there.
  private func waitForRecord(_ bytes: UnsafeRawBufferPointer, limit: Int) {
    guard bytes.count >= 5, bytes[0] == 22 else { return }
    let recordEnd = 5 + (Int(bytes[3]) << 8 | Int(bytes[4]))
    guard recordEnd > bytes.count else { return }
    Socket.setReceiveLowWatermark(client, min(recordEnd, limit))
    phase = .inspecting(lowWatermarkRaised: true)
  }

  /// No server name to route on: the routes without one decide, or the client is closed,
  /// as `inspect.on_failure` says.
  func inspectionFailed(_ outcome: InspectOutcome) {
    worker.stats.countInspection(listener: listener.counterRow, outcome)
    worker.loop.cancelTimer(self)
    worker.logger.debug(
      "ClientHello inspection failed",
      metadata: ["listener": "\(listener.name)", "client": "\(clientAddress)", "result": "\(outcome)"])
    switch listener.inspect.onFailure {
    case .close: close(outcome == .timeout ? .inspectTimeout : .inspectFailed)
    case .defaultRoute: route(to: listener.routes.pool(serverName: nil, source: clientAddress.ipBytes))
    }
  }

  /// Starts connecting to the chosen pool, or closes when no route matched.
  private func route(to chosen: BackendPool?) {
    if case .inspecting(lowWatermarkRaised: true) = phase {
      // Relaying must see every byte as it comes.
      Socket.setReceiveLowWatermark(client, 1)
    }
    guard let chosen else {
      close(.noRoute)
      return
    }
    pool = chosen
    phase = .choosingServer
    connectNextServer(ConnectPlan(retries: chosen.retries))
  }
}
