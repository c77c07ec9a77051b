import CCap
import Glibc

/// Reads and drops the calling thread's Linux capabilities through libcap.
///
/// Capabilities belong to a thread, not to a process: a change made here applies to the calling
/// thread and to the threads it starts afterwards, never to threads already running. So call
/// these on the main thread before any worker, Dispatch or NIO thread exists; `dropAll` checks
/// that the process has one thread and refuses otherwise.
public enum Capabilities {
  // From <linux/prctl.h> (kernel ABI). Swift's Glibc module does not export <sys/prctl.h>, so the
  // calls go through libcap's cap_prctl/cap_prctlw.
  static let prGetKeepCaps = 7
  static let prSetKeepCaps = 8

  /// The calling thread's effective, permitted and inheritable sets (capget through
  /// cap_get_proc), its bounding set (PR_CAPBSET_READ) and its ambient set (PR_CAP_AMBIENT).
  public static func current() throws(SyscallError) -> CapabilityState {
    guard let caps = cap_get_proc() else { throw SyscallError(call: "cap_get_proc", errno: Glibc.errno) }
    defer { cap_free(UnsafeMutableRawPointer(caps)) }
    var state = CapabilityState(effective: [], permitted: [], inheritable: [], bounding: [], ambient: [])
    for number in CapabilitySet.all.numbers {
      let capability = CapabilitySet(number: number)
      if try flag(caps, CAP_EFFECTIVE, number) { state.effective.insert(capability) }
      if try flag(caps, CAP_PERMITTED, number) { state.permitted.insert(capability) }
      if try flag(caps, CAP_INHERITABLE, number) { state.inheritable.insert(capability) }
      let bound = cap_get_bound(number)
      if bound < 0 { throw SyscallError(call: "cap_get_bound(\(capability))", errno: Glibc.errno) }
      if bound == 1 { state.bounding.insert(capability) }
      let ambient = cap_get_ambient(number)
      if ambient < 0 { throw SyscallError(call: "cap_get_ambient(\(capability))", errno: Glibc.errno) }
      if ambient == 1 { state.ambient.insert(capability) }
    }
    return state
  }

  /// Sets PR_SET_KEEPCAPS: when on, a switch from uid 0 to another uid keeps the permitted set
  /// (the effective set is still emptied), so that `dropAll` can then keep what it is told to.
  ///
  /// The flag is per thread and cleared by execve. `PrivilegeDrop.run` turns it on and off itself.
  public static func keepCapabilitiesAcrossUserSwitch(_ keep: Bool = true) throws(SyscallError) {
    if cap_prctlw(prSetKeepCaps, keep ? 1 : 0, 0, 0, 0, 0) != 0 {
      throw SyscallError(call: "prctl(PR_SET_KEEPCAPS, \(keep ? 1 : 0))", errno: Glibc.errno)
    }
  }

  /// Whether PR_SET_KEEPCAPS is on for the calling thread.
  public static func keepsCapabilitiesAcrossUserSwitch() throws(SyscallError) -> Bool {
    let value = cap_prctl(prGetKeepCaps, 0, 0, 0, 0, 0)
    if value < 0 { throw SyscallError(call: "prctl(PR_GET_KEEPCAPS)", errno: Glibc.errno) }
    return value == 1
  }

  /// Clears every capability except `kept` from the effective, permitted and inheritable sets,
  /// the ambient set and the bounding set, then reads the state back and checks it.
  ///
  /// Only what is permitted can be kept: a `kept` capability the thread does not hold is not
  /// gained, and the returned state shows it. Shrinking the bounding set needs CAP_SETPCAP in
  /// the permitted set; without it the bounding set is left as it is, which only limits what an
  /// execve could gain, and Splicer never executes programs.
  ///
  /// - Returns: the state after the drop, for the log.
  @discardableResult
  public static func dropAll(keeping kept: CapabilitySet = []) throws(PrivilegeError) -> CapabilityState {
    try dropAll(keeping: kept, requiringSingleThread: true)
  }

  /// `dropAll`; tests pass `requiringSingleThread: false` to drop on the calling thread only.
  @discardableResult
  static func dropAll(keeping kept: CapabilitySet, requiringSingleThread: Bool) throws(PrivilegeError)
    -> CapabilityState
  {
    if requiringSingleThread { try ProcessStatus.requireSingleThread() }
    let outcome: (after: CapabilityState, keep: CapabilitySet, boundingShrunk: Bool)
    do {
      outcome = try clear(keeping: kept)
    } catch {
      throw PrivilegeError(.syscall(error))
    }
    let (after, keep) = (outcome.after, outcome.keep)
    var wrong: [String] = []
    if after.effective != keep { wrong.append("effective is \(after.effective.logValue), wanted \(keep.logValue)") }
    if after.permitted != keep { wrong.append("permitted is \(after.permitted.logValue), wanted \(keep.logValue)") }
    if !after.inheritable.isEmpty { wrong.append("inheritable is \(after.inheritable.logValue)") }
    if !after.ambient.isEmpty { wrong.append("ambient is \(after.ambient.logValue)") }
    if outcome.boundingShrunk && !after.bounding.isSubset(of: kept) {
      wrong.append("bounding is \(after.bounding.logValue)")
    }
    if !wrong.isEmpty { throw PrivilegeError(.verificationFailed(wrong.joined(separator: "; "))) }
    return after
  }

  /// The calls behind `dropAll`, without its checks.
  private static func clear(keeping kept: CapabilitySet) throws(SyscallError) -> (
    after: CapabilityState, keep: CapabilitySet, boundingShrunk: Bool
  ) {
    let before = try current()
    let keep = kept.intersection(before.permitted)
    let unbound = before.bounding.subtracting(kept)
    let canShrinkBounding = before.permitted.contains(.setPCap)
    if !unbound.isEmpty && canShrinkBounding {
      // PR_CAPBSET_DROP needs CAP_SETPCAP in the effective set; after a user switch with
      // keepcaps it is only permitted, so raise everything permitted first.
      try set(effective: before.permitted, permitted: before.permitted, inheritable: before.inheritable)
      for number in unbound.numbers where cap_drop_bound(number) != 0 {
        throw SyscallError(call: "prctl(PR_CAPBSET_DROP, \(CapabilitySet(number: number)))", errno: Glibc.errno)
      }
    }
    if cap_reset_ambient() != 0 {
      throw SyscallError(call: "prctl(PR_CAP_AMBIENT_CLEAR_ALL)", errno: Glibc.errno)
    }
    try set(effective: keep, permitted: keep, inheritable: [])
    return (try current(), keep, canShrinkBounding)
  }

  /// Replaces the calling thread's effective, permitted and inheritable sets (capset).
  static func set(effective: CapabilitySet, permitted: CapabilitySet, inheritable: CapabilitySet)
    throws(SyscallError)
  {
    guard let caps = cap_init() else { throw SyscallError(call: "cap_init", errno: Glibc.errno) }
    defer { cap_free(UnsafeMutableRawPointer(caps)) }
    for (flag, set) in [(CAP_EFFECTIVE, effective), (CAP_PERMITTED, permitted), (CAP_INHERITABLE, inheritable)] {
      var numbers = set.numbers
      if numbers.isEmpty { continue }
      if cap_set_flag(caps, flag, Int32(numbers.count), &numbers, CAP_SET) != 0 {
        throw SyscallError(call: "cap_set_flag", errno: Glibc.errno)
      }
    }
    if cap_set_proc(caps) != 0 {
      throw SyscallError(
        call: "cap_set_proc(effective=\(effective.logValue) permitted=\(permitted.logValue))", errno: Glibc.errno)
    }
  }

  private static func flag(_ caps: cap_t, _ flag: cap_flag_t, _ number: Int32) throws(SyscallError) -> Bool {
    var value = CAP_CLEAR
    if cap_get_flag(caps, number, flag, &value) != 0 {
      throw SyscallError(call: "cap_get_flag", errno: Glibc.errno)
    }
    return value == CAP_SET
  }
}
