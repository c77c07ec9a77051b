import Glibc
import SplicerSystem

/// The steps before `ReadyForState`: `Hello`, the running config, the listeners.
extension UpgradeReceiver {
  func negotiate() throws(UpgradeStop) {
    let hello = UpgradeHello(
      oldestVersion: identity.supported.lowerBound, newestVersion: identity.supported.upperBound,
      binaryVersion: identity.binaryVersion, bootID: identity.bootID, uid: identity.uid, pid: identity.pid,
      configDigest: configDigest)
    try link.send(.hello(hello), deadline: deadline)
    let (envelope, _) = try link.receive(deadline: deadline, ledger: ledger, "waiting for Welcome")
    guard case .welcome(let welcome) = envelope.message else { throw stop(envelope.message, "waiting for Welcome") }
    guard identity.supported.contains(welcome.chosenVersion) else {
      throw UpgradeStop(
        .incompatibleVersion,
        "old \(welcome.oldBinaryVersion) chose \(welcome.chosenVersion), new \(identity.binaryVersion) speaks "
          + UpgradeNegotiation.describe(identity.supported))
    }
    link.agree(on: welcome.chosenVersion)
  }

  /// Joins the chunks, makes the recipient, and checks that the announced descriptors fit.
  func receiveRunningConfig() throws(UpgradeStop) -> UpgradeRecipient {
    var assembly = RunningConfigAssembly()
    var record: RunningConfigRecord?
    while record == nil {
      let (envelope, _) = try link.receive(deadline: deadline, ledger: ledger, "waiting for RunningConfig")
      guard case .runningConfig(let chunk) = envelope.message else {
        throw stop(envelope.message, "waiting for RunningConfig")
      }
      do {
        record = try assembly.add(chunk)
      } catch {
        throw UpgradeStop(.runningConfigUnreadable, "\(error)")
      }
    }
    let config = record!
    let recipient: UpgradeRecipient
    do {
      recipient = try makeRecipient(config)
    } catch let notice as UpgradeNotice {
      throw UpgradeStop(notice.reason, notice.text)
    } catch {
      throw UpgradeStop(.runningConfigUnreadable, "\(error)")
    }
    let room = descriptorRoom()
    guard Int(config.descriptorTotal) <= room else {
      throw UpgradeStop(
        .descriptorLimit, "\(config.descriptorTotal) descriptors announced, room for \(max(room, 0))")
    }
    return recipient
  }

  /// Listener batches until the empty `Listeners` message that ends them.
  func receiveListeners(into recipient: UpgradeRecipient) throws(UpgradeStop) {
    while true {
      let (envelope, descriptors) = try link.receive(deadline: deadline, ledger: ledger, "waiting for Listeners")
      guard case .listeners(let records) = envelope.message else {
        throw stop(envelope.message, "waiting for Listeners")
      }
      if records.isEmpty {
        try adopting { () throws in try recipient.listenersReceived() }
        return
      }
      try adopting { () throws in try recipient.adoptListeners(records, descriptors: descriptors) }
    }
  }

  /// What a fault point asks for; `die` and `stall` end the protocol.
  func check(_ point: UpgradeFaultPoint) throws(UpgradeStop) {
    switch fault?(point) ?? .proceed {
    case .proceed:
      return
    case .corrupt:
      try link.sendGarbage(deadline: deadline)
    case .die:
      throw UpgradeStop(.aborted, "fault injected at \(point)", channelClosed: true)
    case .fail:
      throw UpgradeStop(.aborted, "fault injected at \(point)")
    case .stall:
      while true {
        let (envelope, _) = try link.receive(deadline: deadline, ledger: ledger, "stalled at \(point)")
        if case .abort(let notice) = envelope.message { throw UpgradeStop(peer: notice) }
      }
    }
  }

  /// The soft `RLIMIT_NOFILE` minus the descriptors open now.
  public static func descriptorRoom() -> Int {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return Int.max }
    let open = DirectoryEntries.names(in: "/proc/self/fd")?.count ?? 0
    return Int(clamping: limit.rlim_cur) - open
  }
}
