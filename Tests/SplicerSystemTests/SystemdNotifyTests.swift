import Foundation
import Glibc
import SplicerSystem
import XCTest

final class SystemdNotifyTests: XCTestCase {
  func testReadsTheSocketAddressLikeSdNotify() throws {
    let long = "/" + String(repeating: "a", count: 107)
    let cases: [(value: String?, address: SystemdNotify.Address?)] = [
      (nil, nil),
      ("", nil),
      ("/run/systemd/notify", .path("/run/systemd/notify")),
      ("@splicer/notify", .abstract("splicer/notify")),
      (String(long.dropLast()), .path(String(long.dropLast()))),
    ]
    for (value, address) in cases {
      let environment = value.map { ["NOTIFY_SOCKET": $0] } ?? [:]
      let notify = try SystemdNotify(environment: environment, processID: 42)
      XCTAssertEqual(notify.address, address, value ?? "unset")
      XCTAssertEqual(notify.isEnabled, address != nil, value ?? "unset")
    }
  }

  func testRejectsSocketAddressesItCannotUse() {
    let long = "/" + String(repeating: "a", count: 107)
    for value in ["run/notify", "@", "vsock:2:1234", long, "@" + String(repeating: "b", count: 108)] {
      XCTAssertThrowsError(try SystemdNotify(environment: ["NOTIFY_SOCKET": value], processID: 42), value) { error in
        XCTAssertEqual((error as? SystemdEnvironmentError)?.variable, "NOTIFY_SOCKET")
      }
    }
  }

  func testReadsTheWatchdogForThisProcessOnly() throws {
    let cases: [(usec: String?, pid: String?, interval: Duration?)] = [
      (nil, nil, nil),
      (nil, "42", nil),
      ("30000000", nil, .seconds(30)),
      ("30000000", "42", .seconds(30)),
      ("500", "42", .microseconds(500)),
      // Inherited from the parent it was meant for.
      ("30000000", "41", nil),
    ]
    for (usec, pid, interval) in cases {
      var environment: [String: String] = [:]
      environment["WATCHDOG_USEC"] = usec
      environment["WATCHDOG_PID"] = pid
      let notify = try SystemdNotify(environment: environment, processID: 42)
      XCTAssertEqual(notify.watchdogInterval, interval, "\(environment)")
    }
  }

  func testRejectsWatchdogValuesItCannotUse() {
    let cases: [(usec: String, pid: String?, variable: String)] = [
      ("0", nil, "WATCHDOG_USEC"), ("-5", nil, "WATCHDOG_USEC"), ("30s", nil, "WATCHDOG_USEC"),
      ("1000", "0", "WATCHDOG_PID"), ("1000", "me", "WATCHDOG_PID"),
    ]
    for (usec, pid, variable) in cases {
      var environment = ["WATCHDOG_USEC": usec]
      environment["WATCHDOG_PID"] = pid
      XCTAssertThrowsError(try SystemdNotify(environment: environment, processID: 42), "\(environment)") { error in
        XCTAssertEqual((error as? SystemdEnvironmentError)?.variable, variable)
      }
    }
  }

  func testSendsEachStateAsOneDatagramToTheSocketInTheEnvironment() throws {
    let receiver = try NotifyReceiver()
    let notify = try withEnvironment(["NOTIFY_SOCKET": receiver.address, "WATCHDOG_USEC": nil]) {
      try SystemdNotify.fromProcessEnvironment()
    }
    XCTAssertEqual(notify.address, .path(receiver.address))
    XCTAssertNil(notify.watchdogInterval)

    try notify.ready()
    XCTAssertEqual(receiver.receive(), "READY=1")
    try notify.ready(status: "serving 2 listeners")
    XCTAssertEqual(receiver.receive(), "READY=1\nSTATUS=serving 2 listeners")
    try notify.stopping(status: "draining 5 connections")
    XCTAssertEqual(receiver.receive(), "STOPPING=1\nSTATUS=draining 5 connections")
    try notify.status("reload failed:\nsplicer.yaml:3:7: error")
    XCTAssertEqual(receiver.receive(), "STATUS=reload failed: splicer.yaml:3:7: error")
    try notify.watchdog()
    XCTAssertEqual(receiver.receive(), "WATCHDOG=1")
    try notify.extendTimeout(by: .seconds(20))
    XCTAssertEqual(receiver.receive(), "EXTEND_TIMEOUT_USEC=20000000")
    XCTAssertFalse(receiver.hasMore)
  }

  func testReloadingCarriesTheMonotonicTimeItBegan() throws {
    let receiver = try NotifyReceiver()
    let notify = SystemdNotify(address: .path(receiver.address), watchdogInterval: nil)
    let before = MonotonicClock.now() / 1_000
    try notify.reloading(status: "reloading")
    let after = MonotonicClock.now() / 1_000
    let lines = try XCTUnwrap(receiver.receive()).split(separator: "\n")
    XCTAssertEqual(lines.count, 3)
    XCTAssertEqual(lines.first, "RELOADING=1")
    XCTAssertEqual(lines.last, "STATUS=reloading")
    let stamp = try XCTUnwrap(lines.dropFirst().first)
    XCTAssertTrue(stamp.hasPrefix("MONOTONIC_USEC="), String(stamp))
    let microseconds = try XCTUnwrap(UInt64(stamp.dropFirst("MONOTONIC_USEC=".count)))
    XCTAssertTrue((before...after).contains(microseconds), "\(before) <= \(microseconds) <= \(after)")
  }

  func testSendsToAnAbstractSocket() throws {
    let receiver = try NotifyReceiver(abstractName: "splicer-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    let notify = try SystemdNotify(environment: ["NOTIFY_SOCKET": receiver.address], processID: getpid())
    XCTAssertEqual(notify.address?.description, receiver.address)
    try notify.ready()
    XCTAssertEqual(receiver.receive(), "READY=1")
  }

  func testDoesNothingOutsideSystemd() throws {
    let notify = try withEnvironment(["NOTIFY_SOCKET": nil]) { try SystemdNotify.fromProcessEnvironment() }
    XCTAssertFalse(notify.isEnabled)
    try notify.ready()
    try notify.reloading()
    try notify.stopping()
    try notify.watchdog()
  }

  func testReportsASocketThatIsGone() throws {
    let receiver = try NotifyReceiver()
    let notify = SystemdNotify(address: .path(receiver.address + "-missing"), watchdogInterval: nil)
    XCTAssertThrowsError(try notify.ready()) { error in
      XCTAssertEqual((error as? SyscallError)?.errno, ENOENT)
      XCTAssertTrue("\(error)".contains("NOTIFY_SOCKET="), "\(error)")
    }
  }

  func testHandsTheMainProcessOn() throws {
    let receiver = try NotifyReceiver()
    let notify = SystemdNotify(address: .path(receiver.address), watchdogInterval: nil)
    try notify.mainPID(4321)
    XCTAssertEqual(receiver.receive(), "MAINPID=4321")
    try notify.mainPID(4321, status: "upgraded to pid 4321")
    XCTAssertEqual(receiver.receive(), "MAINPID=4321\nSTATUS=upgraded to pid 4321")
    XCTAssertFalse(receiver.hasMore)
  }

  func testTheBarrierCompletesWhenTheManagerClosesThePassedDescriptor() throws {
    let receiver = try NotifyReceiver()
    let notify = SystemdNotify(address: .path(receiver.address), watchdogInterval: nil)
    let manager = Thread {
      // The manager's side: read the message with its descriptor, then drop the descriptor.
      guard let message = receiver.receiveWithDescriptors() else { return }
      XCTAssertEqual(message.data, Array("BARRIER=1".utf8))
      XCTAssertEqual(message.descriptors.count, 1)
      message.closeDescriptors()
    }
    manager.start()
    XCTAssertTrue(try notify.barrier(timeout: .seconds(30)))
  }

  func testTheBarrierTimesOutWhileTheManagerKeepsTheDescriptor() throws {
    let receiver = try NotifyReceiver()
    let notify = SystemdNotify(address: .path(receiver.address), watchdogInterval: nil)
    let kept = PthreadLocked<DescriptorMessage?>(nil)
    let received = DispatchSemaphore(value: 0)
    let manager = Thread {
      let message = receiver.receiveWithDescriptors()
      kept.withLock { $0 = message }
      received.signal()
    }
    manager.start()
    XCTAssertFalse(try notify.barrier(timeout: .milliseconds(200)))
    // Whether the manager took the message before the timeout or not, it holds the descriptor.
    XCTAssertEqual(received.wait(timeout: .now() + 30), .success)
    let message = try XCTUnwrap(kept.withLock { $0 }, "the manager had received the barrier")
    XCTAssertEqual(message.data, Array("BARRIER=1".utf8))
    XCTAssertEqual(message.descriptors.count, 1)
    message.closeDescriptors()
  }

  func testTheBarrierPassesAtOnceOutsideSystemd() throws {
    XCTAssertTrue(try SystemdNotify.disabled.barrier(timeout: .milliseconds(1)))
  }
}
