/// A session's encoded size, counted from its fields in the order `UpgradeWireWriter+Session`
/// writes them, without encoding it.
///
/// The coordinator needs it before a worker's first batch: `WorkerBegin` announces the bytes
/// that will travel as `Bytes`, which depends on whether a session with a copy buffer fits a
/// message whole, and the records are encoded only once, as their batch fills. A change to the
/// session's layout changes this file too; `SessionRecordLengthTests` holds the two together.
extension SessionRecord {
  public var encodedLength: Int {
    // id, worker, tag, flags, client.
    var length = 4 + 2 + 1 + 1 + 2
    length += UpgradeWireWriter.encodedLength(of: peerAddress)
    length += UpgradeWireWriter.encodedLength(of: clientAddress)
    length += UpgradeWireWriter.encodedLength(of: destinationAddress)
    // generation, listener name, counter row, pool, server name.
    length += 4 + Self.stringLength(listenerName) + 4 + Self.stringLength(pool)
    length += 1 + (serverName.map(Self.stringLength) ?? 0)
    // Four ages and the timer.
    length += 5 * 8
    return length + phase.encodedLength
  }

  /// Both directions' inline copy-buffer bytes, if the session relays.
  public var inlineBufferBytes: Int {
    switch phase {
    case .relaying(let relay), .forwardingAfterReset(let relay, _, _): relay.inlineBufferBytes
    default: 0
    }
  }

  /// `u16 length + UTF-8`.
  static func stringLength(_ text: String) -> Int { 2 + text.utf8.count }
}

extension SessionRecord.Phase {
  var encodedLength: Int {
    switch self {
    case .readingProxyHeader: 0
    case .inspecting: 1
    case .queued(_, let lastTried, _): ConnectPlanRecord.encodedLength + 1 + (lastTried?.encodedLength ?? 0) + 4
    case .connecting(_, _, let backend): ConnectPlanRecord.encodedLength + 2 + backend.encodedLength
    case .waitingForDescriptors: ConnectPlanRecord.encodedLength + 8
    case .relaying(let relay): relay.encodedLength
    case .forwardingAfterReset(let relay, let reason, _): relay.encodedLength + SessionRecord.stringLength(reason) + 1
    case .answering(let pool, _, _, _): SessionRecord.stringLength(pool) + 2 + 8 + 1
    }
  }
}

extension ConnectPlanRecord {
  /// Attempts left, last tried, repeat pending.
  static let encodedLength = 4 + 4 + 1
}

extension ServerKeyRecord {
  var encodedLength: Int { SessionRecord.stringLength(pool) + SessionRecord.stringLength(address) }
}

extension BackendReference {
  var encodedLength: Int { 4 + key.encodedLength }
}

extension RelayRecord {
  var encodedLength: Int {
    // Server, backend, last activity, both paced rates, the mirror, both directions.
    2 + backend.encodedLength + 8 + 8 + 8 + 1 + (mirror == nil ? 0 : 4) + toServer.encodedLength
      + toClient.encodedLength
  }

  var inlineBufferBytes: Int { toServer.inlineBufferBytes + toClient.inlineBufferBytes }
}

extension DirectionRecord {
  var encodedLength: Int {
    // Flags, bytes relayed, pending, carrier tag, then the carrier.
    let fixed = 1 + 8 + 4 + 1
    switch carrier {
    case .none: return fixed
    case .pipe: return fixed + 2 + 2
    case .buffer(let inline): return fixed + 4 + inline.count
    }
  }

  var inlineBufferBytes: Int {
    if case .buffer(let inline) = carrier { inline.count } else { 0 }
  }
}
