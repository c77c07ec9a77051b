import Glibc

/// The identity and capability lines of one thread's `/proc/<pid>/task/<tid>/status`.
///
/// The kernel keeps uids, gids and capabilities per thread, so a privilege drop is only proven
/// by reading every task of the process; `allThreads(of:)` does that. Used to verify a switch
/// right after making it, and by tests that look at a running relay from outside.
public struct ProcessStatus: Sendable, Equatable {
  /// Real, effective, saved set and filesystem user id, in the kernel's order.
  public var uids: [UInt32]
  /// Real, effective, saved set and filesystem group id.
  public var gids: [UInt32]
  /// Supplementary groups.
  public var groups: [UInt32]
  public var inheritable: CapabilitySet
  public var permitted: CapabilitySet
  public var effective: CapabilitySet
  public var bounding: CapabilitySet
  public var ambient: CapabilitySet
  /// Threads in the whole process (the same on every task's file).
  public var threads: Int

  /// Parses the text of a status file; nil when a field this type needs is missing.
  public init?(parsing text: String) {
    var fields: [Substring: Substring] = [:]
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      fields[line[..<colon]] = line[line.index(after: colon)...]
    }
    func numbers(_ key: Substring) -> [UInt32]? {
      guard let value = fields[key] else { return nil }
      let parsed = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { UInt32($0) }
      if parsed.contains(nil) { return nil }
      return parsed.compactMap { $0 }
    }
    func mask(_ key: Substring) -> CapabilitySet? {
      guard let value = fields[key] else { return nil }
      let digits = value.filter { $0 != " " && $0 != "\t" }
      guard let bits = UInt64(digits, radix: 16) else { return nil }
      return CapabilitySet(rawValue: bits)
    }
    guard let uids = numbers("Uid"), uids.count == 4, let gids = numbers("Gid"), gids.count == 4,
      let groups = numbers("Groups"), let inheritable = mask("CapInh"), let permitted = mask("CapPrm"),
      let effective = mask("CapEff"), let bounding = mask("CapBnd"), let ambient = mask("CapAmb"),
      let threadsField = fields["Threads"], let threads = Int(threadsField.filter { $0 != " " && $0 != "\t" })
    else { return nil }
    self.uids = uids
    self.gids = gids
    self.groups = groups
    self.inheritable = inheritable
    self.permitted = permitted
    self.effective = effective
    self.bounding = bounding
    self.ambient = ambient
    self.threads = threads
  }

  /// The calling thread's status (`/proc/thread-self/status`).
  public static func currentThread() throws(SyscallError) -> ProcessStatus {
    try read(path: "/proc/thread-self/status")
  }

  /// The status of every thread of `pid` (default: this process), keyed by thread id.
  public static func allThreads(of pid: Int32 = getpid()) throws(SyscallError) -> [Int32: ProcessStatus] {
    var result: [Int32: ProcessStatus] = [:]
    for tid in try taskIDs(of: pid) {
      do {
        result[tid] = try read(path: "/proc/\(pid)/task/\(tid)/status")
      } catch {
        // ENOENT, ESRCH: the thread ended between listing and reading, so it holds nothing.
        if error.errno != ENOENT && error.errno != ESRCH { throw error }
      }
    }
    return result
  }

  /// How many threads the calling process has.
  public static func threadCount() throws(SyscallError) -> Int {
    try read(path: "/proc/self/status").threads
  }

  /// Throws unless the process has exactly one thread: the only time a change of uid, gid or
  /// capabilities reaches every thread.
  static func requireSingleThread() throws(PrivilegeError) {
    let count: Int
    do {
      count = try threadCount()
    } catch {
      throw PrivilegeError(.syscall(error))
    }
    if count != 1 { throw PrivilegeError(.multipleThreads(count)) }
  }

  static func read(path: String) throws(SyscallError) -> ProcessStatus {
    let text = try readSmallFile(path)
    guard let status = ProcessStatus(parsing: text) else {
      throw SyscallError(call: "parse \(path)", errno: EINVAL)
    }
    return status
  }

  static func taskIDs(of pid: Int32) throws(SyscallError) -> [Int32] {
    let path = "/proc/\(pid)/task"
    guard let names = DirectoryEntries.names(in: path) else {
      throw SyscallError(call: "opendir(\(path))", errno: Glibc.errno)
    }
    return names.compactMap { Int32($0) }.sorted()
  }
}

/// Reads a file of a few kilobytes (a /proc file, whose size stat cannot tell) into a string.
func readSmallFile(_ path: String) throws(SyscallError) -> String {
  let fd = try retryingInterrupts("open(\(path))") { open(path, O_RDONLY | O_CLOEXEC) }
  defer { Glibc.close(fd) }
  let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
  defer { chunk.deallocate() }
  var bytes: [UInt8] = []
  while true {
    let count = try retryingInterrupts("read(\(path))") { Glibc.read(fd, chunk.baseAddress, chunk.count) }
    if count == 0 { break }
    bytes.append(contentsOf: chunk[0..<count])
  }
  return String(decoding: bytes, as: UTF8.self)
}
