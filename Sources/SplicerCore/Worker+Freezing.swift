import SplicerLoop

/// Freezing and resuming the worker for a live upgrade (docs/design/live-upgrade.md, §6 and
/// §8.3): `WorkerCommand.freeze` and `.resume`.
///
/// The commands are applied in the middle of a batch of events, with more events, timers and
/// deferred work of the same turn still to come, so they only note the request; the change
/// happens at the end of the turn (`EventLoop.afterTurn`), when no handler is on the stack
/// and every session's phase is written back.
///
/// A frozen worker watches no listener, session or mirror socket, and has no timer armed but
/// its `Heartbeat`: its loop keeps turning for the heartbeat (the watchdog keeps getting its
/// pings) and for its inbox. Every socket stays open, every pipe that holds bytes stays with
/// its direction, every slot (`ListenerLimit`, `ServerLoadBoard`, queue places) stays taken.
/// News from the other workers (`serviceQueue`, `capacityFreed`) is dropped, since the resume
/// looks at every queue and listener limit anyway; reloads and drains wait for the resume.
extension Worker {
  var isFrozen: Bool { freezing.frozen != nil }

  /// `.freeze` from the inbox: freezes at the end of this turn, then reports to `freeze`.
  func requestFreeze(_ freeze: UpgradeFreeze) {
    freezing.requests.append(.freeze(freeze))
    loop.afterTurn = { [unowned self] in self.applyFreezeRequests() }
  }

  /// `.resume` from the inbox: resumes at the end of this turn. `closingSessions`
  /// (`.resumeClosingSessions`): the listeners resume, but every frozen session and mirror is
  /// closed with a reset instead.
  func requestResume(closingSessions: Bool = false) {
    freezing.requests.append(.resume(closingSessions: closingSessions))
    loop.afterTurn = { [unowned self] in self.applyFreezeRequests() }
  }

  /// Whether a frozen worker keeps `command` from being applied now: reloads and drains are
  /// held for the resume, news of freed slots and limits is dropped.
  func setAsideWhileFrozen(_ command: WorkerCommand) -> Bool {
    guard isFrozen else { return false }
    switch command {
    case .reconfigure, .drain:
      freezing.frozen?.heldCommands.append(command)
      return true
    case .serviceQueue, .capacityFreed:
      return true
    case .freeze, .resume, .resumeClosingSessions, .relinquish, .reportListeners:
      return false
    }
  }

  private func applyFreezeRequests() {
    loop.afterTurn = nil
    // The turns cut short for the freeze (`ProxyServer.freezeWorkers`) have reached it.
    loop.finishTurnsWhole()
    let requests = freezing.requests
    freezing.requests.removeAll()
    for request in requests {
      switch request {
      case .freeze(let freeze):
        if !isFrozen { freezeAtSafePoint() }
        freeze.workerFroze(index, handover: freeze.collectsHandovers ? snapshot() : nil)
      case .resume(let closingSessions):
        if isFrozen { resumeFromFreeze(closingSessions: closingSessions) }
      }
    }
  }

  // MARK: Freeze

  private func freezeAtSafePoint() {
    var frozen = WorkerFreezeState.Frozen(at: loop.now)
    for listener in listeners { listener.freeze() }
    // Everything deferred on this loop is the worker's: sessions' pumps (each notes its own
    // below) and the queue runner, whose freed slots the resume finds again.
    _ = loop.takeDeferred()
    queueRunScheduled = false
    freedSlots.removeAll()
    if pacing.timerSlot >= 0 {
      frozen.pacingDeadline = pacing.timerDeadline
      loop.cancelTimer(pacing)
    }
    frozen.sessions.reserveCapacity(sessions.count)
    for session in sessions {
      let (deadline, pumpOnce) = session.freeze()
      frozen.sessions.append(.init(session: session, deadline: deadline, pumpOnce: pumpOnce))
    }
    // Every session's timer in one pass: one by one, each cancel sifts the heap, which was a
    // third of a freeze's time with thousands of sessions.
    loop.cancelTimers(sessions.lazy.map { $0 as TimerTarget })
    for mirror in resources.mirrors.all {
      frozen.mirrors.append(.init(mirror: mirror, deadline: mirror.freeze()))
    }
    // Nothing is leased from them until the resume; idle pipes are descriptors held for
    // nothing, and a new process would count them twice.
    resources.pipes.drain()
    resources.buffers.drain()
    freezing.frozen = frozen
  }

  // MARK: Resume

  private func resumeFromFreeze(closingSessions: Bool) {
    guard var frozen = freezing.frozen else { return }
    freezing.frozen = nil
    // Listeners first: closing a session releases its listener slot, which may resume a
    // listener paused at its limit, and it must be registered again by then.
    for listener in listeners { listener.resumeAfterFreeze() }
    if closingSessions {
      // A live upgrade whose new process took the sessions over and died (design §3.3): it
      // may have moved bytes out of their sockets and pipes, so they cannot carry on here as
      // if whole. A reset tells both peers the stream was cut; `shutdown` aborts.
      for entry in frozen.sessions { entry.session.close(.shutdown) }
      for entry in frozen.mirrors where entry.mirror.state != .closed { entry.mirror.drop(.unfinished, resources) }
      frozen.sessions.removeAll()
      frozen.mirrors.removeAll()
    }
    // A session closed meanwhile (only the worker's own stop closes one) resumes nothing.
    for entry in frozen.sessions { entry.session.resume(deadline: entry.deadline) }
    for entry in frozen.mirrors { entry.mirror.rearm(deadline: entry.deadline) }
    if let deadline = frozen.pacingDeadline { loop.schedule(pacing, at: deadline) }
    wakeQueuedSessions()
    for listener in listeners { listener.resumeIfBelowLimit() }
    apply(frozen.heldCommands)
  }

  /// Slots freed while frozen woke nobody (the news was dropped): wakes the sessions queued
  /// here, oldest first, while their pool has a server with room. A woken session that loses
  /// the slot to another worker goes back to the front of its queue, and the pool then shows
  /// no room, so each queue is looked at a bounded number of times.
  func wakeQueuedSessions() {
    for (key, waiting) in queues {
      guard let pool = waiting.first?.pool else { continue }
      for _ in waiting.indices {
        guard poolHasFreeServer(pool), var queue = queues[key], !queue.isEmpty else { break }
        let session = queue.removeFirst()
        queues[key] = queue.isEmpty ? nil : queue
        pool.releaseQueuePlace()
        session.leftQueue()
      }
    }
  }
}
