import CSplicer
import Glibc

/// Starts the new binary of a live upgrade as a child: fork, then in the child only (C code,
/// async-signal-safe calls) carry CAP_NET_BIND_SERVICE when asked, let the channel descriptor
/// survive the exec, and execve. The parent learns through a close-on-exec status pipe whether
/// the exec happened, so a missing or non-executable binary is an error here, with its errno,
/// rather than a child that exits 127 later.
///
/// The caller owns the channel: it keeps its own end and closes its copy of the child's end
/// after the spawn. It also owns the child: it must reap it with `waitpid` once it exits (a
/// failed spawn has already reaped its child).
public enum UpgradeSpawn {
  /// Variables that describe this process and must not reach the new one: WATCHDOG_PID would
  /// make its `SystemdNotify` ignore WATCHDOG_USEC; the LISTEN_* are already taken at start-up.
  public static let removedVariables = ["WATCHDOG_PID"] + SocketActivation.variables

  /// `inherited` (`KEY=VALUE` strings, as in `environ`) without `removedVariables` and any
  /// earlier upgrade's variables, plus SPLICER_UPGRADE_FD and SPLICER_UPGRADE_PID. The order of
  /// what stays is kept.
  public static func environment(inheriting inherited: [String], channelFD: Int32, parentID: Int32) -> [String] {
    let dropped = Set(removedVariables + UpgradeEnvironment.variables)
    let kept = inherited.filter { entry in
      let name = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
      return !dropped.contains(String(name))
    }
    return kept + [
      "\(UpgradeEnvironment.descriptorVariable)=\(channelFD)",
      "\(UpgradeEnvironment.parentVariable)=\(parentID)",
    ]
  }

  /// This process's environment as `KEY=VALUE` strings.
  ///
  /// Reads `environ`, which setenv/unsetenv change: call it on the main thread.
  public static func currentEnvironment() -> [String] {
    var result: [String] = []
    var entry = environ
    while let pointer = entry.pointee {
      result.append(String(cString: pointer))
      entry += 1
    }
    return result
  }

  /// Executes `path` with `arguments` (argv, its first element included) in a child process
  /// whose environment is ours, rebuilt by `environment(inheriting:channelFD:parentID:)`.
  ///
  /// - Parameters:
  ///   - channelFD: the child's end of the channel; stays open across the exec in the child only.
  ///   - carryBindCapability: raise CAP_NET_BIND_SERVICE into the child's inheritable and
  ///     ambient sets, so that the new process keeps it without file capabilities (for
  ///     `keep_bind_capability: true`). It must be in our permitted set.
  /// - Returns: the pid of the child, which is running the new binary.
  public static func spawn(
    path: String, arguments: [String], channelFD: Int32, carryBindCapability: Bool
  ) throws(UpgradeSpawnError) -> pid_t {
    let environment = environment(inheriting: currentEnvironment(), channelFD: channelFD, parentID: getpid())
    return try spawn(
      path: path, arguments: arguments, environment: environment, channelFD: channelFD,
      carryBindCapability: carryBindCapability)
  }

  /// Like `spawn(path:arguments:channelFD:carryBindCapability:)` with the child's whole
  /// environment given.
  public static func spawn(
    path: String, arguments: [String], environment: [String], channelFD: Int32, carryBindCapability: Bool
  ) throws(UpgradeSpawnError) -> pid_t {
    // Everything the child needs is allocated here, before fork: the child may not allocate.
    let argv = CStringArray(arguments)
    let envp = CStringArray(environment)
    defer {
      argv.free()
      envp.free()
    }
    var step: Int32 = 0
    var childErrno: Int32 = 0
    let pid = path.withCString { pathPointer in
      splicer_spawn_upgrade(
        pathPointer, argv.pointers, envp.pointers, channelFD, carryBindCapability ? 1 : 0, &step, &childErrno)
    }
    if pid < 0 {
      throw UpgradeSpawnError(.fork(SyscallError(call: "fork", errno: Glibc.errno)), path: path)
    }
    guard step != Int32(SPLICER_SPAWN_OK.rawValue) else { return pid }
    // The child has written its report and is exiting: reap it, so that nothing lingers.
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && Glibc.errno == EINTR {}
    let failedStep: UpgradeSpawnError.Step =
      switch UInt32(step) {
      case SPLICER_SPAWN_CAPABILITY.rawValue: .capability
      case SPLICER_SPAWN_CHANNEL.rawValue: .channel
      default: .exec
      }
    throw UpgradeSpawnError(.child(failedStep, errno: childErrno), path: path)
  }
}
