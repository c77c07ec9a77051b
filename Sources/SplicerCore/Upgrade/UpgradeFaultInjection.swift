import SplicerSystem

/// The fault-injection switch of the new process's handover (design §13): in debug builds
/// (the ones the tests run), `SPLICER_UPGRADE_FAULT=<point>:<action>` makes `UpgradeReceiver`
/// die, stall or send garbage at that point, for the rollback tests to start a real new
/// process that fails in the middle of an adoption. Release builds never read it.
///
/// Points: `hello`, `running-config`, `listeners`, `batch-N` (before acknowledging the N-th
/// batch), `prepared` (before sending it), `after-prepared`, `committed` (before writing it),
/// `start` (where the new process makes its threads, before `ReadyForState`); actions: `die`,
/// `stall`, `corrupt`, `fail`.
public enum UpgradeFaultInjection {
  public static let variable = "SPLICER_UPGRADE_FAULT"

  /// The hook the variable asks for, or nil (no variable, a release build, or a value that
  /// names no point and action).
  public static func fromEnvironment() -> UpgradeReceiver.FaultHook? {
    #if DEBUG
      guard let value = ProcessEnvironment.values(of: [variable])[variable] else { return nil }
      ProcessEnvironment.remove([variable])
      return hook(parsing: value)
    #else
      return nil
    #endif
  }

  /// The hook for a `<point>:<action>` value; nil when it does not parse.
  public static func hook(parsing value: String) -> UpgradeReceiver.FaultHook? {
    let parts = value.split(separator: ":").map(String.init)
    guard parts.count == 2, let point = point(parts[0]), let action = action(parts[1]) else { return nil }
    return { $0 == point ? action : .proceed }
  }

  static func point(_ text: String) -> UpgradeFaultPoint? {
    switch text {
    case "hello": return .beforeHello
    case "running-config": return .afterRunningConfig
    case "listeners": return .afterListeners
    case "prepared": return .beforePrepared
    case "after-prepared": return .afterPrepared
    case "committed": return .beforeCommitted
    case "start": return .start
    default:
      guard text.hasPrefix("batch-"), let number = Int(text.dropFirst(6)), number > 0 else { return nil }
      return .batch(number)
    }
  }

  static func action(_ text: String) -> UpgradeFaultAction? {
    switch text {
    case "die": .die
    case "stall": .stall
    case "corrupt": .corrupt
    case "fail": .fail
    default: nil
    }
  }
}
