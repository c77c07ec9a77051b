import SplicerSystem

/// The steps before the freeze: `Hello` answered, the listeners sent, `ReadyForState` awaited.
extension UpgradeCoordinator {
  func negotiate() throws(UpgradeStop) {
    let (envelope, _) = try link.receive(deadline: overallDeadline, ledger: nil, "waiting for Hello")
    guard case .hello(let hello) = envelope.message else {
      if case .refuse(let notice) = envelope.message { throw UpgradeStop(peer: notice) }
      throw UpgradeStop.unexpected(envelope.message, "waiting for Hello")
    }
    switch UpgradeNegotiation.answer(hello, old: identity) {
    case .failure(let notice):
      // Nothing is frozen: a Refuse, and the rollback stops the child.
      _ = try? link.send(.refuse(notice), deadline: farewellDeadline)
      throw UpgradeStop(notice.reason, notice.text, channelClosed: true)
    case .success(let version):
      link.agree(on: version)
      let welcome = UpgradeWelcome(
        chosenVersion: version, oldBinaryVersion: identity.binaryVersion, oldPID: identity.pid,
        freezeTimeout: timeouts.freeze.nanoseconds)
      try link.send(.welcome(welcome), deadline: overallDeadline)
    }
  }

  /// The listener batches, then an empty `Listeners` message that ends them.
  func sendListeners() throws(UpgradeStop) {
    let items = donor.listenerRecords()
    sent.listeners = UInt32(items.count)
    sent.descriptors += UInt32(items.reduce(0) { $0 + $1.descriptors.count })
    for outgoing in DescriptorBatcher.batches(items) {
      try link.send(outgoing, deadline: overallDeadline)
    }
    try link.send(.listeners([]), deadline: overallDeadline)
  }

  func awaitReadyForState() throws(UpgradeStop) {
    let (envelope, _) = try link.receive(deadline: overallDeadline, ledger: nil, "waiting for ReadyForState")
    switch envelope.message {
    case .readyForState: return
    case .refuse(let notice), .abort(let notice): throw UpgradeStop(peer: notice)
    case let other: throw UpgradeStop.unexpected(other, "waiting for ReadyForState")
    }
  }
}
