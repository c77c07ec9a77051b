/// What the caller of `UpgradeCoordinator` plugs in besides the donor: its veto, its systemd
/// hand-off, and, in tests, how the child is stopped. Called on the coordinator's thread.
public struct UpgradeCoordinatorHooks {
  /// Checked before the freeze and before `Commit`: true (a SIGTERM or SIGINT came) aborts.
  public var vetoed: () -> Bool
  /// Whether a SIGHUP arrived during the upgrade, passed on in `Released`.
  public var pendingReload: () -> Bool
  /// After `Committed` and `UpgradeDonor.relinquish`, before the listeners are released: the
  /// systemd hand-off (`READY=1`, `MAINPID=` with its barrier), given the new pid.
  public var afterCommit: (Int32) -> Void
  /// Makes sure the child can write nothing more, on a rollback. Nil: with a child pid,
  /// `SIGKILL` and `waitpid`; without one, nothing. Tests join the receiving thread instead.
  public var stopChild: (() -> Void)?
  /// Called at least once a second while the coordinator waits for the new process: the
  /// systemd watchdog ping the main thread's signal loop would otherwise send.
  public var heartbeat: (() -> Void)?

  public init(
    vetoed: @escaping () -> Bool = { false }, pendingReload: @escaping () -> Bool = { false },
    afterCommit: @escaping (Int32) -> Void = { _ in }, stopChild: (() -> Void)? = nil,
    heartbeat: (() -> Void)? = nil
  ) {
    self.heartbeat = heartbeat
    self.vetoed = vetoed
    self.pendingReload = pendingReload
    self.afterCommit = afterCommit
    self.stopChild = stopChild
  }
}
