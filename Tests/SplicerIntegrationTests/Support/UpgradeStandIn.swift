import Foundation
import Glibc
import XCTest

/// A stand-in for a running Splicer that answers `splicer upgrade`, for the command's tests
/// while the real process's side is not wired: a python3 script saved as a file named
/// `splicer` (so its `/proc/PID/comm` is `splicer`) that blocks SIGUSR2, waits for it with
/// sigwaitinfo, prints what it received, and replies with sigqueue (through ctypes: Python's
/// os module has no sigqueue) as the design's old process will.
///
/// As another user, it can answer a root `splicer upgrade` only if the command took its uid.
///
/// Modes: `reply VALUE`; `others-first VALUE` (before the reply, a plain kill from the target,
/// which carries no value, and a queued signal from another process); `exit` (exits without
/// a reply); `silent` (never replies; stopped by the test).
final class UpgradeStandIn: @unchecked Sendable {
  static let script = """
    import ctypes, os, signal, sys, threading
    mode = sys.argv[1]
    value = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    reply = signal.SIGRTMIN + 2
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
    # A second thread that inherits the mask, as Splicer's workers do: /proc shows the main
    # thread's mask without SIGUSR2 while it waits in sigwaitinfo.
    threading.Thread(target=threading.Event().wait, daemon=True).start()
    libc = ctypes.CDLL(None, use_errno=True)
    # union sigval (an int or a pointer) travels in one integer register on x86-64 and arm64;
    # ctypes cannot pass a union by value.
    libc.sigqueue.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long]
    def send(pid, value):
        if libc.sigqueue(pid, reply, value) != 0:
            raise OSError(ctypes.get_errno(), "sigqueue")
    print("ready", flush=True)
    info = signal.sigwaitinfo({signal.SIGUSR2})
    print(f"request code={info.si_code} pid={info.si_pid}", flush=True)
    if mode == "exit":
        sys.exit(0)
    if mode == "silent":
        signal.pause()
    if mode == "others-first":
        os.kill(info.si_pid, reply)
        child = os.fork()
        if child == 0:
            send(info.si_pid, 999)
            os._exit(0)
        os.waitpid(child, 0)
    send(info.si_pid, value)
    """

  let process = Process()
  let directory: URL
  private let output: FileHandle
  private var pending = Data()

  var pid: Int32 { process.processIdentifier }

  /// Starts the stand-in and waits until it blocks SIGUSR2. Skips the test without python3.
  /// `user`: run it as that uid (and gid) through setpriv, which needs root and an
  /// interpreter that user may run (`/usr/bin/python3`).
  init(mode: String, value: Int32? = nil, user: UInt32? = nil) throws {
    let interpreter: String
    if user != nil {
      guard getuid() == 0 else { throw XCTSkip("running the stand-in as another user needs root") }
      guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
        FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
      else { throw XCTSkip("needs /usr/bin/python3 and setpriv") }
      interpreter = "/usr/bin/python3"
    } else {
      interpreter = try Self.python()
    }
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("splicer-standin-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("splicer").path
    // The interpreter itself on the #! line, not /usr/bin/env: comm is the name of the file
    // exec'd, which is the script's only when the kernel runs the interpreter straight.
    try ("#!\(interpreter)\n" + Self.script).write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0o755)
    let arguments = [mode] + (value.map { ["\($0)"] } ?? [])
    if let user {
      // setpriv execs the script in the same process, so its pid and comm are the script's.
      process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
      process.arguments = ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", path] + arguments
    } else {
      process.executableURL = URL(fileURLWithPath: path)
      process.arguments = arguments
    }
    let pipe = Pipe()
    process.standardOutput = pipe
    output = pipe.fileHandleForReading
    try process.run()
    guard nextLine() == "ready" else {
      stop()
      throw XCTSkip("the python3 stand-in did not start")
    }
  }

  /// The request as the stand-in received it: `si_code` and the sender's pid. Stops the
  /// stand-in first, so that a request that never came ends the read (at EOF) instead of
  /// waiting for it.
  func request() -> (code: Int32, pid: Int32)? {
    if process.isRunning { kill(pid, SIGKILL) }
    while let line = nextLine() {
      guard line.hasPrefix("request ") else { continue }
      var fields: [Substring: Int32] = [:]
      for field in line.dropFirst("request ".count).split(separator: " ") {
        let parts = field.split(separator: "=")
        if parts.count == 2 { fields[parts[0]] = Int32(parts[1]) }
      }
      guard let code = fields["code"], let pid = fields["pid"] else { return nil }
      return (code, pid)
    }
    return nil
  }

  func stop() {
    if process.isRunning { kill(pid, SIGKILL) }
    process.waitUntilExit()
    try? FileManager.default.removeItem(at: directory)
  }

  /// The real interpreter behind `python3` (not a pyenv shim, which is a shell script).
  private static func python() throws -> String {
    let finder = Process()
    finder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    finder.arguments = ["python3", "-c", "import sys; print(sys.executable)"]
    let pipe = Pipe()
    finder.standardOutput = pipe
    finder.standardError = FileHandle.nullDevice
    do {
      try finder.run()
    } catch {
      throw XCTSkip("python3 is not installed")
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    finder.waitUntilExit()
    let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard finder.terminationStatus == 0, !path.isEmpty else { throw XCTSkip("python3 is not installed") }
    return path
  }

  private func nextLine() -> String? {
    while true {
      if let newline = pending.firstIndex(of: 0x0A) {
        let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
        pending.removeSubrange(pending.startIndex...newline)
        return line
      }
      let chunk = output.availableData
      if chunk.isEmpty { return nil }
      pending.append(chunk)
    }
  }

  deinit { stop() }
}
