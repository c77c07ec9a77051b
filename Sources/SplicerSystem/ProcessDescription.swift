import Glibc

/// What /proc says about another process: its command name, its executable, its status, and
/// which signals it would not leave to their default action.
///
/// `splicer upgrade` reads one to check that the pid it was given is a Splicer that can take
/// the request, and to learn its uid, before it signals it; the judgement is `UpgradeTarget`'s.
/// Read once, not kept current.
public struct ProcessDescription: Sendable, Equatable {
  /// `/proc/PID/comm` without its newline: the executable's base name (or a script's) at
  /// exec, cut to 15 bytes, or what the main thread set with PR_SET_NAME since.
  public var command: String
  /// The target of `/proc/PID/exe`, nil when it cannot be read (another user's process
  /// without CAP_SYS_PTRACE). ` (deleted)` follows the path once the file was replaced.
  public var executable: String?
  /// The main thread's `/proc/PID/status`.
  public var status: ProcessStatus
  /// Signals the process catches or ignores (`SigCgt`, `SigIgn`: process-wide), or that every
  /// thread but the main one blocks (`SigBlk`; the main thread's in a process of one thread);
  /// bit n - 1 for signal n. See `handles(_:)`.
  public var handledSignals: UInt64

  public init(command: String, executable: String?, status: ProcessStatus, handledSignals: UInt64) {
    self.command = command
    self.executable = executable
    self.status = status
    self.handledSignals = handledSignals
  }

  /// Whether a process-directed `signal` would reach a handler, be ignored, or wait for a
  /// `sigwait` instead of getting its default action (for most signals: ending the process).
  ///
  /// The main thread's own mask cannot tell: while a thread waits in sigtimedwait the kernel
  /// unblocks the signals it waits for, and /proc shows that mask. A process that waits for
  /// signals on its main thread blocks them everywhere else, which is what is checked.
  public func handles(_ signal: Int32) -> Bool {
    signal >= 1 && signal <= 64 && handledSignals & (1 << UInt64(signal - 1)) != 0
  }

  /// `handledSignals` from the text of the main thread's status file and those of the other
  /// threads; nil when a mask is missing or not hexadecimal.
  public static func handledSignals(mainThread: String, otherThreads: [String]) -> UInt64? {
    guard let ignored = mask("SigIgn", in: mainThread), let caught = mask("SigCgt", in: mainThread) else {
      return nil
    }
    // A process of one thread has no other to wait for it: its own mask is all there is.
    guard !otherThreads.isEmpty else {
      guard let blocked = mask("SigBlk", in: mainThread) else { return nil }
      return ignored | caught | blocked
    }
    var blockedEverywhere = UInt64.max
    for text in otherThreads {
      guard let blocked = mask("SigBlk", in: text) else { return nil }
      blockedEverywhere &= blocked
    }
    return ignored | caught | blockedEverywhere
  }

  /// Reads process `pid`'s files. ENOENT: no such process (or it ended meanwhile).
  public static func read(pid: Int32) throws(SyscallError) -> ProcessDescription {
    let directory = "/proc/\(pid)"
    var command = try readSmallFile(directory + "/comm")
    if command.hasSuffix("\n") { command.removeLast() }
    let path = directory + "/status"
    let text = try readSmallFile(path)
    var others: [String] = []
    for tid in try ProcessStatus.taskIDs(of: pid) where tid != pid {
      do {
        others.append(try readSmallFile("\(directory)/task/\(tid)/status"))
      } catch {
        // ENOENT, ESRCH: the thread ended between listing and reading.
        if error.errno != ENOENT && error.errno != ESRCH { throw error }
      }
    }
    guard let status = ProcessStatus(parsing: text),
      let handled = handledSignals(mainThread: text, otherThreads: others)
    else {
      throw SyscallError(call: "parse \(path)", errno: EINVAL)
    }
    return ProcessDescription(
      command: command, executable: readLink(directory + "/exe"), status: status, handledSignals: handled)
  }

  /// A `Sig…:` line's mask.
  static func mask(_ key: String, in text: String) -> UInt64? {
    let prefix = key + ":"
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return nil }
    return UInt64(line.dropFirst(prefix.count).filter { $0 != " " && $0 != "\t" }, radix: 16)
  }

  /// The link's target, nil when it cannot be read.
  static func readLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = Glibc.readlink(path, &buffer, buffer.count - 1)
    guard count > 0 else { return nil }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
