import Glibc
import SplicerSystem
import XCTest

@testable import SplicerConfig
@testable import SplicerCore

/// The pump between real kernel sockets (socketpairs): backpressure, pipe leasing, EOF and
/// the counted fallback, without an event loop.
final class RelayDirectionTests: XCTestCase {
  private var fds: [Int32] = []
  private var stats: WorkerStats!
  private var resources: RelayResources!

  override func setUp() {
    stats = WorkerStats(listenerCount: 1, serverCount: 1)
    resources = RelayResources(
      pipes: PipePool(requestedCapacity: 1 << 16, maximumIdle: 4, stats: stats),
      buffers: CopyBufferPool(bufferSize: 1 << 16, maximumIdle: 4), stats: stats)
  }

  override func tearDown() {
    for fd in fds { close(fd) }
    resources.pipes.drain()
  }

  /// (relay end, test end) of a nonblocking socket pair.
  private func pair(type: Int32 = Int32(SOCK_STREAM.rawValue), sendBuffer: Int32? = nil) -> (Int32, Int32) {
    var ends: [Int32] = [-1, -1]
    XCTAssertEqual(socketpair(AF_UNIX, type | Int32(SOCK_NONBLOCK.rawValue), 0, &ends), 0)
    if var size = sendBuffer {
      setsockopt(ends[0], SOL_SOCKET, SO_SNDBUF, &size, 4)
      setsockopt(ends[1], SOL_SOCKET, SO_RCVBUF, &size, 4)
    }
    fds += ends
    return (ends[0], ends[1])
  }

  private func write(_ fd: Int32, _ count: Int, byte: UInt8 = 7) -> Int {
    let bytes = [UInt8](repeating: byte, count: count)
    return max(0, Glibc.write(fd, bytes, count))
  }

  private func drain(_ fd: Int32) -> Int {
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    var total = 0
    while true {
      let count = read(fd, &buffer, buffer.count)
      if count <= 0 { return total }
      total += count
    }
  }

  func testRelaysThenGoesIdleWithoutHoldingAPipe() {
    for mode in RelayMode.allCases {
      let (sourceRelay, sourceTest) = pair()
      let (destinationRelay, destinationTest) = pair()
      var direction = RelayDirection(source: sourceRelay, destination: destinationRelay, mode: mode)
      direction.sourceReadable = true
      direction.destinationWritable = true
      XCTAssertEqual(write(sourceTest, 10_000), 10_000)
      XCTAssertEqual(direction.pump(resources), .waiting)
      XCTAssertEqual(drain(destinationTest), 10_000)
      XCTAssertEqual(direction.bytesRelayed, 10_000)
      XCTAssertFalse(direction.sourceReadable, "EAGAIN on an empty pipe means the socket is empty")
      XCTAssertEqual(stats.value(.pipesLeased), stats.value(.pipesReturned), "idle direction still holds a pipe")
    }
    XCTAssertEqual(stats.value(.bytesSpliced), 10_000)
    XCTAssertEqual(stats.value(.bytesCopied), 10_000)
  }

  /// A pump does at most `budget` fills and yields with bytes left; the catch-up turn after
  /// an adoption relies on a budget of one moving one pipe's worth and no more.
  func testAPumpYieldsOnceItsBudgetOfFillsIsSpent() {
    // The pool asks for 64 KiB pipes (setUp), the kernel's default size too.
    let pipeCapacity = 1 << 16
    for (budget, expected) in [
      (RelayDirection.catchUpBudget, RelayDirection.Outcome.yielded), (2, .yielded), (64, .waiting),
    ] {
      let (sourceRelay, sourceTest) = pair()
      let (destinationRelay, destinationTest) = pair()
      var direction = RelayDirection(source: sourceRelay, destination: destinationRelay, mode: .splice)
      direction.sourceReadable = true
      direction.destinationWritable = true
      // Several pipes' worth, as much as the socket pair holds.
      var queued = 0
      while queued < 4 * pipeCapacity {
        let count = write(sourceTest, 4 * pipeCapacity - queued)
        if count == 0 { break }
        queued += count
      }
      XCTAssertGreaterThan(queued, 2 * pipeCapacity)
      XCTAssertEqual(direction.pump(resources, budget: budget), expected, "budget \(budget)")
      let moved = drain(destinationTest)
      // A fill moves up to one pipe's worth (less when the socket's queue ends earlier).
      XCTAssertGreaterThan(moved, 0, "budget \(budget)")
      XCTAssertLessThanOrEqual(moved, budget * pipeCapacity, "budget \(budget)")
      // What is left moves with the next pumps, every byte once.
      var total = moved
      for _ in 0..<64 where total < queued {
        direction.destinationWritable = true
        _ = direction.pump(resources)
        total += drain(destinationTest)
      }
      XCTAssertEqual(total, queued, "budget \(budget)")
    }
  }

  func testBlockedDestinationStopsReadingAndKeepsTheBytes() {
    let (sourceRelay, sourceTest) = pair()
    let (destinationRelay, destinationTest) = pair(sendBuffer: 4_096)
    var direction = RelayDirection(source: sourceRelay, destination: destinationRelay, mode: .splice)
    direction.sourceReadable = true
    direction.destinationWritable = true
    var written = 0
    while written < 1 << 20 {
      let count = write(sourceTest, 1 << 20 - written)
      if count == 0 { break }
      written += count
    }
    XCTAssertEqual(direction.pump(resources), .waiting)
    XCTAssertFalse(direction.destinationWritable)
    XCTAssertTrue(direction.sourceReadable, "the source was not drained, so it is still readable")
    XCTAssertEqual(stats.value(.pipesLeased) - stats.value(.pipesReturned), 1, "bytes in flight hold one pipe")
    // The reader catches up; every byte arrives, once.
    var received = 0
    while received < written {
      received += drain(destinationTest)
      direction.destinationWritable = true
      _ = direction.pump(resources)
    }
    XCTAssertEqual(received, written)
    XCTAssertEqual(direction.bytesRelayed, UInt64(written))
  }

  func testEOFIsForwardedOnlyAfterTheLastByte() {
    let (sourceRelay, sourceTest) = pair()
    let (destinationRelay, destinationTest) = pair(sendBuffer: 4_096)
    var direction = RelayDirection(source: sourceRelay, destination: destinationRelay, mode: .splice)
    direction.sourceReadable = true
    direction.destinationWritable = true
    XCTAssertEqual(write(sourceTest, 200_000), 200_000)
    shutdown(sourceTest, Int32(SHUT_WR))
    var outcome = direction.pump(resources)
    var received = 0
    while outcome != .finished {
      XCTAssertEqual(outcome, .waiting)
      received += drain(destinationTest)
      direction.destinationWritable = true
      outcome = direction.pump(resources)
    }
    received += drain(destinationTest)
    XCTAssertEqual(received, 200_000)
    var byte: UInt8 = 0
    XCTAssertEqual(read(destinationTest, &byte, 1), 0, "EOF reaches the destination after the data")
    XCTAssertEqual(stats.value(.pipesLeased), stats.value(.pipesReturned))
  }

  func testSourceResetIsAFailureOnTheSource() {
    let (sourceRelay, sourceTest) = pair()
    let (destinationRelay, _) = pair()
    var direction = RelayDirection(source: sourceRelay, destination: destinationRelay, mode: .splice)
    direction.sourceReadable = true
    direction.destinationWritable = true
    // A closed peer with unread data in its own receive queue resets the unix connection.
    XCTAssertEqual(write(sourceRelay, 10), 10)
    close(sourceTest)
    fds.removeAll { $0 == sourceTest }
    XCTAssertEqual(direction.pump(resources), .failed(errno: ECONNRESET, onSource: true))
  }

  func testNoPipeAvailableCopiesThatFillAndCountsIt() {
    let limited = RelayResources(
      pipes: PipePool(requestedCapacity: 1 << 16, maximumIdle: 4, maximumLeased: 1, stats: stats),
      buffers: CopyBufferPool(bufferSize: 1 << 16, maximumIdle: 4), stats: stats)
    defer { limited.pipes.drain() }
    let (busySource, busySourceTest) = pair()
    let (busyDestination, _) = pair(sendBuffer: 4_096)
    // The first direction holds the worker's only pipe: its reader never reads.
    var busy = RelayDirection(source: busySource, destination: busyDestination, mode: .splice)
    busy.sourceReadable = true
    busy.destinationWritable = true
    XCTAssertGreaterThan(write(busySourceTest, 200_000), 0)
    XCTAssertEqual(busy.pump(limited), .waiting)
    XCTAssertEqual(limited.pipes.leased, 1)

    let (sourceRelay, sourceTest) = pair()
    let (destinationRelay, destinationTest) = pair()
    var direction = RelayDirection(source: sourceRelay, destination: destinationRelay, mode: .splice)
    direction.sourceReadable = true
    direction.destinationWritable = true
    XCTAssertEqual(write(sourceTest, 5_000), 5_000)
    XCTAssertEqual(direction.pump(limited), .waiting)
    XCTAssertEqual(drain(destinationTest), 5_000)
    XCTAssertEqual(direction.mode, .splice, "a missing pipe is a per-fill fallback, not a mode switch")
    XCTAssertGreaterThanOrEqual(stats.fallbacks(.pipeUnavailable), 1)
    XCTAssertEqual(stats.value(.bytesCopied), 5_000)
  }
}
