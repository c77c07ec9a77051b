import Glibc
import SplicerSystem

/// The one writer of a log descriptor (stderr) in the process: threads hand it whole lines,
/// and once `startThread()` has run, a thread of its own writes them in batches, so that an
/// event loop never waits for the disk, a terminal or a full journald pipe.
///
/// A batch goes out when a line marked urgent arrives (every event other than an access-log
/// line), when `flushSize` bytes are pending, or `flushInterval` after the first pending line;
/// so a busy worker pays one lock per access-log line and the process one `write(2)` per
/// batch. Before `startThread()` (start-up, before privileges are dropped: capabilities are
/// per thread, so no thread may start earlier) and after `finish()`, lines are written at
/// once by the calling thread. Lines are never split or interleaved: this is the only writer,
/// and a batch for a pipe or socket is cut at line ends into writes of at most `PIPE_BUF`
/// bytes, which the kernel keeps whole against other processes writing to the same pipe.
/// When `maxPending` bytes wait (the descriptor is stuck), further lines are dropped and
/// counted in `droppedLines` rather than held in memory without bound.
public final class LogWriter: @unchecked Sendable {
  /// Standard error, where every log line of `splicer run` goes.
  public static let standardError = LogWriter(fd: 2)

  public let fd: Int32
  public let flushSize: Int
  public let flushInterval: Duration
  public let maxPending: Int
  private let splitsAtPipeSize: Bool

  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  // Guarded by `mutex`.
  private var pending: [UInt8] = []
  private var urgentPending = false
  private var stopping = false
  private var thread: pthread_t?
  private var dropped: UInt64 = 0

  public init(
    fd: Int32, flushSize: Int = 64 << 10, flushInterval: Duration = .milliseconds(100), maxPending: Int = 16 << 20
  ) {
    self.fd = fd
    self.flushSize = flushSize
    self.flushInterval = flushInterval
    self.maxPending = maxPending
    var status = stat()
    splitsAtPipeSize = fstat(fd, &status) != 0 || (status.st_mode & S_IFMT) != S_IFREG
    pthread_mutex_init(mutex, nil)
    var attributes = pthread_condattr_t()
    pthread_condattr_init(&attributes)
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
    pthread_cond_init(wake, &attributes)
    pthread_condattr_destroy(&attributes)
    pending.reserveCapacity(flushSize * 2)
  }

  deinit {
    pthread_cond_destroy(wake)
    pthread_mutex_destroy(mutex)
    wake.deallocate()
    mutex.deallocate()
  }

  /// Lines dropped because too much was pending or the descriptor failed.
  public var droppedLines: UInt64 {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return dropped
  }

  /// Hands over whole lines (each ending in a newline). `urgent` sends them out at once.
  public func append(_ lines: [UInt8], urgent: Bool) {
    lines.withUnsafeBytes { append($0, urgent: urgent) }
  }

  public func append(_ lines: UnsafeRawBufferPointer, urgent: Bool) {
    pthread_mutex_lock(mutex)
    guard thread != nil else {
      // Start-up or after `finish()`: written by the caller, still one writer at a time.
      dropped += write(lines)
      pthread_mutex_unlock(mutex)
      return
    }
    guard pending.count + lines.count <= maxPending else {
      dropped += Self.lineCount(lines)
      pthread_mutex_unlock(mutex)
      return
    }
    let wasEmpty = pending.isEmpty
    let wasBelowFlushSize = pending.count < flushSize
    pending.append(contentsOf: lines)
    urgentPending = urgentPending || urgent
    let wakeWriter = wasEmpty || urgent || (wasBelowFlushSize && pending.count >= flushSize)
    pthread_mutex_unlock(mutex)
    if wakeWriter { pthread_cond_signal(wake) }
  }

  /// Starts the writing thread; call once privileges are dropped.
  public func startThread() throws(SyscallError) {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    guard thread == nil else { return }
    stopping = false
    thread = try Threads.start(name: "splicer-log") { [self] in runWriter() }
  }

  /// Writes everything pending and stops the thread; later lines are written by their callers.
  /// Call before the process exits, so that no line is lost on a clean stop.
  public func finish() {
    pthread_mutex_lock(mutex)
    guard let running = thread else {
      pthread_mutex_unlock(mutex)
      return
    }
    stopping = true
    pthread_mutex_unlock(mutex)
    pthread_cond_signal(wake)
    Threads.join(running)
    pthread_mutex_lock(mutex)
    thread = nil
    pthread_mutex_unlock(mutex)
  }

  private func runWriter() {
    var writing: [UInt8] = []
    writing.reserveCapacity(flushSize * 2)
    pthread_mutex_lock(mutex)
    while true {
      while pending.isEmpty && !stopping { pthread_cond_wait(wake, mutex) }
      if pending.isEmpty { break }
      waitForBatch()
      swap(&pending, &writing)
      urgentPending = false
      pthread_mutex_unlock(mutex)
      let lost = writing.withUnsafeBytes { write($0) }
      writing.removeAll(keepingCapacity: true)
      pthread_mutex_lock(mutex)
      dropped += lost
    }
    pthread_mutex_unlock(mutex)
  }

  /// With the lock held: lets more lines join the batch until it is due.
  private func waitForBatch() {
    var deadline = timespec()
    clock_gettime(CLOCK_MONOTONIC, &deadline)
    let (seconds, attoseconds) = flushInterval.components
    let nanoseconds = deadline.tv_nsec + Int(attoseconds / 1_000_000_000)
    deadline.tv_sec += Int(seconds) + nanoseconds / 1_000_000_000
    deadline.tv_nsec = nanoseconds % 1_000_000_000
    while !urgentPending && !stopping && pending.count < flushSize {
      if pthread_cond_timedwait(wake, mutex, &deadline) == ETIMEDOUT { break }
    }
  }

  /// Writes whole lines, retrying short writes and EINTR; returns how many lines could not be
  /// written (the descriptor failed).
  private func write(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var offset = 0
    while offset < bytes.count {
      let end = splitsAtPipeSize ? Self.batchEnd(bytes, from: offset, limit: Int(PIPE_BUF)) : bytes.count
      while offset < end {
        let written = Glibc.write(fd, bytes.baseAddress! + offset, end - offset)
        if written > 0 {
          offset += written
        } else if written < 0 && errno == EINTR {
          continue
        } else {
          return Self.lineCount(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
        }
      }
    }
    return 0
  }

  /// The end of the longest run of whole lines from `start` within `limit` bytes, or of the
  /// first line if that alone is longer.
  static func batchEnd(_ bytes: UnsafeRawBufferPointer, from start: Int, limit: Int) -> Int {
    let window = min(bytes.count, start + limit)
    if window == bytes.count { return window }
    var index = window
    while index > start {
      if bytes[index - 1] == UInt8(ascii: "\n") { return index }
      index -= 1
    }
    index = window
    while index < bytes.count && bytes[index - 1] != UInt8(ascii: "\n") { index += 1 }
    return index
  }

  private static func lineCount(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var count: UInt64 = 0
    for byte in bytes where byte == UInt8(ascii: "\n") { count += 1 }
    return count
  }
}
