import CSplicer
import Glibc
import SplicerSystem
import XCTest

/// The upgrade channel against the real kernel: a socketpair in this process, descriptors that
/// are used after they arrive.
final class DescriptorChannelTests: XCTestCase {
  private var pair: (DescriptorChannel, DescriptorChannel)!

  override func setUpWithError() throws {
    pair = try DescriptorChannel.makePair()
  }

  override func tearDown() {
    pair.0.close()
    pair.1.close()
  }

  private func deadline(_ duration: Duration = .seconds(10)) -> UInt64 {
    MonotonicClock.now() + duration.nanoseconds
  }

  func testPassesTheMostDescriptorsAMessageHoldsAndTheyWork() throws {
    let pipes = try (0..<DescriptorChannel.maximumDescriptors).map { _ in try Pipe.make(requestedCapacity: 4096) }
    defer { pipes.forEach { $0.close() } }
    // The write ends travel; the read ends stay here to check what was written through them.
    try pair.0.send(Array("pipes".utf8), descriptors: pipes.map(\.writeEnd), deadline: deadline())
    let message = try pair.1.receive(deadline: deadline())
    defer { message.closeDescriptors() }
    XCTAssertEqual(message.data, Array("pipes".utf8))
    XCTAssertEqual(message.descriptors.count, 253)
    XCTAssertTrue(Set(message.descriptors).isDisjoint(with: pipes.map(\.writeEnd)), "new numbers in the receiver")
    for (index, (received, pipe)) in zip(message.descriptors, pipes).enumerated() {
      var byte = UInt8(index & 0xFF)
      XCTAssertEqual(write(received, &byte, 1), 1, "write through passed descriptor \(index)")
      var read: UInt8 = 0
      XCTAssertEqual(Glibc.read(pipe.readEnd, &read, 1), 1, "read behind passed descriptor \(index)")
      XCTAssertEqual(read, UInt8(index & 0xFF))
    }
  }

  func testRefusesMoreDescriptorsThanTheKernelTakesBeforeTheCall() throws {
    let pipes = try (0...DescriptorChannel.maximumDescriptors).map { _ in try Pipe.make(requestedCapacity: 4096) }
    defer { pipes.forEach { $0.close() } }
    let writeEnds = pipes.map(\.writeEnd)
    XCTAssertThrowsError(try pair.0.send([1], descriptors: writeEnds, deadline: deadline())) { error in
      XCTAssertEqual((error as? DescriptorChannelError)?.reason, .tooManyDescriptors(254))
    }
    // What the check spares the caller: the kernel refuses 254 with EINVAL.
    let data: [UInt8] = [1]
    let result = data.withUnsafeBytes { bytes in
      splicer_send_fds(pair.0.fd, nil, 0, bytes.baseAddress, 1, writeEnds, 254, splicer_MSG_DONTWAIT)
    }
    XCTAssertEqual(result, -1)
    XCTAssertEqual(errno, EINVAL)
    XCTAssertThrowsError(try pair.1.receive(deadline: deadline(.milliseconds(50)))) { error in
      XCTAssertEqual((error as? DescriptorChannelError)?.reason, .timedOut, "nothing was sent")
    }
  }

  func testReportsDescriptorsTheControlBufferCouldNotHoldAndClosesTheRest() throws {
    let pipes = try (0..<3).map { _ in try Pipe.make(requestedCapacity: 4096) }
    defer { pipes.forEach { $0.close() } }
    let before = try openDescriptorCount()
    try pair.0.send([7], descriptors: pipes.map(\.readEnd), deadline: deadline())
    XCTAssertThrowsError(try pair.1.receive(deadline: deadline(), descriptorCapacity: 1)) { error in
      XCTAssertEqual((error as? DescriptorChannelError)?.reason, .descriptorsTruncated(received: 1))
    }
    XCTAssertEqual(try openDescriptorCount(), before, "the one that arrived was closed")
  }

  func testReportsDescriptorsTheKernelCouldNotInstallForWantOfNumbers() throws {
    let pipes = try (0..<3).map { _ in try Pipe.make(requestedCapacity: 4096) }
    defer { pipes.forEach { $0.close() } }
    try pair.0.send([7], descriptors: pipes.map(\.readEnd), deadline: deadline())
    // A soft limit just above the lowest free number: one descriptor fits, the next two do not.
    let open = Set(try openDescriptors())
    let free = Array((0...).lazy.filter { !open.contains(Int32($0)) }.prefix(2))
    let resource = Int32(RLIMIT_NOFILE.rawValue)
    var saved = rlimit()
    XCTAssertEqual(getrlimit(resource, &saved), 0)
    var lowered = saved
    lowered.rlim_cur = rlim_t(free[1])
    XCTAssertEqual(setrlimit(resource, &lowered), 0)
    let result = Result { try pair.1.receive(deadline: deadline()) }
    XCTAssertEqual(setrlimit(resource, &saved), 0)
    XCTAssertThrowsError(try result.get()) { error in
      XCTAssertEqual((error as? DescriptorChannelError)?.reason, .descriptorsTruncated(received: 1))
    }
    XCTAssertEqual(Set(try openDescriptors()), open, "the one that was installed was closed")
  }

  func testDescriptorsArriveCloseOnExec() throws {
    let pipe = try Pipe.make(requestedCapacity: 4096)
    defer { pipe.close() }
    // Sent without FD_CLOEXEC, so that the flag on arrival is the receiver's doing.
    let plain = dup(pipe.writeEnd)
    defer { close(plain) }
    XCTAssertEqual(fcntl(plain, F_GETFD) & FD_CLOEXEC, 0)
    try pair.0.send([1], descriptors: [plain], deadline: deadline())
    let message = try pair.1.receive(deadline: deadline())
    defer { message.closeDescriptors() }
    XCTAssertEqual(message.descriptors.count, 1)
    XCTAssertEqual(fcntl(message.descriptors[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC)
  }

  func testKeepsMessageBoundaries() throws {
    let messages: [[UInt8]] = [[1], Array(repeating: 2, count: 1000), [3, 3, 3], Array(repeating: 4, count: 60_000)]
    for message in messages {
      try pair.0.send(message, deadline: deadline())
    }
    for message in messages {
      XCTAssertEqual(try pair.1.receive(deadline: deadline()), DescriptorMessage(data: message, descriptors: []))
    }
  }

  func testChecksTheCountTheHeaderAnnounces() throws {
    let pipe = try Pipe.make(requestedCapacity: 4096)
    defer { pipe.close() }
    // A header of one byte: the number of descriptors that follow.
    let declared: ([UInt8]) -> Int? = { $0.first.map(Int.init) }
    try pair.0.send([2], descriptors: [pipe.readEnd, pipe.writeEnd], deadline: deadline())
    let message = try pair.1.receive(deadline: deadline(), declaredCount: declared)
    message.closeDescriptors()
    XCTAssertEqual(message.descriptors.count, 2)

    let before = try openDescriptorCount()
    try pair.0.send([1], descriptors: [pipe.readEnd, pipe.writeEnd], deadline: deadline())
    XCTAssertThrowsError(try pair.1.receive(deadline: deadline(), declaredCount: declared)) { error in
      XCTAssertEqual((error as? DescriptorChannelError)?.reason, .descriptorCountMismatch(declared: 1, received: 2))
    }
    try pair.0.send([9], deadline: deadline())
    XCTAssertThrowsError(try pair.1.receive(deadline: deadline(), declaredCount: { _ in nil })) { error in
      XCTAssertEqual((error as? DescriptorChannelError)?.reason, .descriptorCountMismatch(declared: nil, received: 0))
    }
    XCTAssertEqual(try openDescriptorCount(), before, "the mismatched message's descriptors were closed")
  }

  func testReportsTheDeadlineAndTheEndOfTheStreamApart() throws {
    XCTAssertThrowsError(try pair.1.receive(deadline: deadline(.milliseconds(20)))) { error in
      XCTAssertEqual((error as? DescriptorChannelError)?.reason, .timedOut)
    }
    XCTAssertThrowsError(try pair.1.receive(deadline: MonotonicClock.now())) { error in
      XCTAssertEqual((error as? DescriptorChannelError)?.reason, .timedOut, "a deadline already passed")
    }
    try pair.0.send([5], deadline: deadline())
    pair.0.close()
    pair.0 = DescriptorChannel(fd: -1)
    XCTAssertEqual(try pair.1.receive(deadline: deadline()).data, [5], "what was sent before the close arrives")
    XCTAssertThrowsError(try pair.1.receive(deadline: deadline())) { error in
      XCTAssertEqual((error as? DescriptorChannelError)?.reason, .endOfStream)
      XCTAssertEqual((error as? DescriptorChannelError)?.isEndOfStream, true)
    }
    XCTAssertThrowsError(try pair.1.send([6], deadline: deadline())) { error in
      XCTAssertEqual((error as? DescriptorChannelError)?.reason, .endOfStream, "\(error)")
    }
  }

  func testASendThatCannotFitBeforeTheDeadlineTimesOut() throws {
    let chunk = [UInt8](repeating: 0xAB, count: 60_000)
    var sent = 0
    var failure: DescriptorChannelError?
    // Nobody reads: the socket's buffer fills after a few messages.
    while failure == nil && sent < 10_000 {
      do {
        try pair.0.send(chunk, deadline: deadline(.milliseconds(20)))
        sent += 1
      } catch {
        failure = error
      }
    }
    XCTAssertEqual(failure?.reason, .timedOut)
    XCTAssertGreaterThan(sent, 0)
    XCTAssertEqual(try pair.1.receive(deadline: deadline()).data, chunk, "the receiver still gets whole messages")
  }

  func testRefusesEmptyAndOversizedMessages() {
    for size in [0, DescriptorChannel.maximumMessageSize + 1] {
      XCTAssertThrowsError(try pair.0.send([UInt8](repeating: 0, count: size), deadline: deadline())) { error in
        XCTAssertEqual((error as? DescriptorChannelError)?.reason, .invalidMessageSize(size))
      }
    }
  }

  func testThePeerIsTheProcessThatMadeThePair() throws {
    for end in [pair.0, pair.1] {
      XCTAssertEqual(try end.peerCredentials(), PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid()))
    }
  }

  private func openDescriptorCount() throws -> Int {
    try openDescriptors().count
  }

  /// This process's open descriptors, without the one that lists them.
  private func openDescriptors() throws -> [Int32] {
    let names = try XCTUnwrap(DirectoryEntries.names(in: "/proc/self/fd"))
    return names.compactMap { Int32($0) }.filter { fcntl($0, F_GETFD) >= 0 }
  }
}
