import Dispatch
import Glibc
import SplicerSystem
import XCTest

@testable import SplicerLogging

/// The writer against a real pipe: lines arrive whole and in order, an urgent line goes out
/// without waiting for `finish()`, a stuck reader makes lines drop and count, not pile up.
final class LogWriterTests: XCTestCase {
  private var readEnd: Int32 = -1
  private var writeEnd: Int32 = -1

  override func setUpWithError() throws {
    var fds: [Int32] = [-1, -1]
    XCTAssertEqual(pipe(&fds), 0)
    readEnd = fds[0]
    writeEnd = fds[1]
  }

  override func tearDown() {
    close(readEnd)
    if writeEnd >= 0 { close(writeEnd) }
  }

  /// Reads until `count` newlines have arrived or `timeoutMilliseconds` pass without data.
  private func readLines(_ count: Int, timeoutMilliseconds: Int32 = 10_000) -> [String] {
    Self.readLines(from: readEnd, count, timeoutMilliseconds: timeoutMilliseconds)
  }

  static func readLines(from fd: Int32, _ count: Int, timeoutMilliseconds: Int32 = 10_000) -> [String] {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    var newlines = 0
    while newlines < count {
      var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard poll(&poller, 1, timeoutMilliseconds) == 1 else { break }
      let got = read(fd, &buffer, buffer.count)
      guard got > 0 else { break }
      bytes += buffer[0..<got]
      newlines += buffer[0..<got].filter { $0 == 0x0A }.count
    }
    return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
  }

  /// Reads on a thread of its own, so that the test can block in `finish()` meanwhile.
  private final class BackgroundReader: @unchecked Sendable {
    private let lines = PthreadLocked<[String]>([])
    private var thread: pthread_t?

    init(fd: Int32, count: Int, timeoutMilliseconds: Int32) throws {
      thread = try Threads.start(name: "test-reader") { [lines] in
        let read = LogWriterTests.readLines(from: fd, count, timeoutMilliseconds: timeoutMilliseconds)
        lines.withLock { $0 = read }
      }
    }

    func wait() -> [String] {
      if let thread { Threads.join(thread) }
      return lines.withLock { $0 }
    }
  }

  func testBatchedLinesArriveWholeAndInOrderOnFinish() throws {
    let writer = LogWriter(fd: writeEnd, flushSize: 1 << 20, flushInterval: .seconds(3600))
    try writer.startThread()
    let threads = 4
    let perThread = 500
    DispatchQueue.concurrentPerform(iterations: threads) { thread in
      for index in 0..<perThread {
        writer.append(
          Array("thread \(thread) line \(index) \(String(repeating: "x", count: index % 97))\n".utf8), urgent: false)
      }
    }
    // Nothing is due yet (a large batch, an hour's interval): finish() writes it all.
    let expected = threads * perThread
    let reader = try BackgroundReader(fd: readEnd, count: expected, timeoutMilliseconds: 10_000)
    writer.finish()
    let lines = reader.wait()
    XCTAssertEqual(lines.count, expected)
    XCTAssertEqual(writer.droppedLines, 0)
    for thread in 0..<threads {
      let own = lines.filter { $0.hasPrefix("thread \(thread) ") }
      XCTAssertEqual(own.count, perThread)
      for (index, line) in own.enumerated() {
        XCTAssertEqual(line, "thread \(thread) line \(index) \(String(repeating: "x", count: index % 97))")
      }
    }
  }

  func testAnUrgentLineIsWrittenWithoutWaitingForTheBatch() throws {
    let writer = LogWriter(fd: writeEnd, flushSize: 1 << 20, flushInterval: .seconds(3600))
    try writer.startThread()
    defer { writer.finish() }
    writer.append(Array("access 1\n".utf8), urgent: false)
    writer.append(Array("server down\n".utf8), urgent: true)
    XCTAssertEqual(readLines(2), ["access 1", "server down"])
  }

  func testAPartialBatchIsWrittenAfterTheInterval() throws {
    let writer = LogWriter(fd: writeEnd, flushSize: 1 << 20, flushInterval: .milliseconds(1))
    try writer.startThread()
    defer { writer.finish() }
    writer.append(Array("access 1\n".utf8), urgent: false)
    XCTAssertEqual(readLines(1), ["access 1"])
  }

  func testLinesAreWrittenByTheCallerBeforeTheThreadStarts() {
    let writer = LogWriter(fd: writeEnd)
    writer.append(Array("starting\n".utf8), urgent: false)
    XCTAssertEqual(readLines(1, timeoutMilliseconds: 0), ["starting"])
  }

  func testAStuckReaderDropsAndCountsLinesInsteadOfHoldingThem() throws {
    let writer = LogWriter(fd: writeEnd, flushSize: 1024, flushInterval: .milliseconds(1), maxPending: 4096)
    try writer.startThread()
    let line = Array((String(repeating: "y", count: 99) + "\n").utf8)
    // The pipe holds 64 KiB: with nobody reading, the writer blocks in write(2) and the
    // pending bytes reach their bound, after which lines are dropped.
    for _ in 0..<2_000 { writer.append(line, urgent: false) }
    XCTAssertGreaterThan(writer.droppedLines, 0)
    // Read to the end of the stream: every line that was not dropped arrives.
    let reader = try BackgroundReader(fd: readEnd, count: .max, timeoutMilliseconds: 30_000)
    writer.finish()
    close(writeEnd)
    writeEnd = -1
    let received = reader.wait().count
    XCTAssertEqual(UInt64(received) + writer.droppedLines, 2_000)
  }

  func testBatchesForAPipeEndAtALineWithinPipeBuf() {
    let lines = Array((String(repeating: "a", count: 9) + "\n" + String(repeating: "b", count: 19) + "\n").utf8)
    lines.withUnsafeBytes { bytes in
      let cases: [(start: Int, limit: Int, end: Int)] = [
        (0, 100, 30), (0, 30, 30), (0, 29, 10), (0, 10, 10), (0, 5, 10), (10, 5, 30), (10, 20, 30),
      ]
      for (start, limit, end) in cases {
        XCTAssertEqual(LogWriter.batchEnd(bytes, from: start, limit: limit), end, "\(start) \(limit)")
      }
    }
  }
}
