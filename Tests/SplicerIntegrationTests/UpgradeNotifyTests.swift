import Foundation
import Glibc
import XCTest

/// A live upgrade as systemd sees it, against a datagram socket standing in for the service
/// manager: the old process reports the new one as the main process (`MAINPID=`, confirmed by
/// a barrier) before it exits, the new one says `READY=1` only after that, and the watchdog
/// pings go on from the new process.
final class UpgradeNotifyTests: RelayTestCase {
  func testSystemdIsToldTheNewMainPidAndTheWatchdogKeepsGoing() throws {
    // The new process, orphaned when the old one exits, becomes this process's child.
    XCTAssertTrue(ChildSubreaper.enable())
    defer { ChildSubreaper.disable() }
    let notify = try NotifySocket(timeoutSeconds: 30)
    func receive() -> String { notify.receive() }
    func receiveEvent() -> String { notify.receiveEvent() }

    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: TestConfig.yaml(servers: [backend.port]),
      environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
    defer { relay.stop() }
    XCTAssertTrue(receive().contains("READY=1"))
    XCTAssertEqual(receive(), "WATCHDOG=1")
    relay.send(SIGUSR2)

    var events: [String] = []
    var newPID: Int32?
    while newPID == nil {
      let event = receiveEvent()
      guard !event.isEmpty else { return XCTFail("no MAINPID= after \(events)") }
      events.append(event)
      if let range = event.range(of: "MAINPID=") {
        newPID = Int32(event[range.upperBound...].prefix { $0.isNumber })
      }
    }
    let pid = try XCTUnwrap(newPID)
    var reaped = false
    defer {
      if !reaped {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
      }
    }
    XCTAssertNotEqual(pid, relay.pid)
    // The old process: a status update while it works, READY=1 with the outcome, then the
    // new main pid, then the barrier that confirms it; only then does it exit.
    XCTAssertTrue(events.first?.contains("STATUS=upgrading") ?? false, "\(events)")
    XCTAssertTrue(events.contains { $0.contains("READY=1") && $0.contains("upgraded to pid \(pid)") }, "\(events)")
    XCTAssertEqual(receiveEvent(), "BARRIER=1")
    XCTAssertEqual(relay.waitForExit(timeoutSeconds: 30), 0)

    // The new process: READY=1 once it is the main process, then its own watchdog pings.
    let ready = receiveEvent()
    XCTAssertTrue(ready.contains("READY=1"), ready)
    XCTAssertEqual(receive(), "WATCHDOG=1")
    XCTAssertEqual(receive(), "WATCHDOG=1")
    // It relays, and drains on SIGTERM as a main process does.
    try assertTransfers(
      [TransferSpec(requestLength: 100_000, responseLength: 200_000, seed: 7)], port: relay.port(), backend: backend)
    kill(pid, SIGTERM)
    XCTAssertTrue(receiveEvent().contains("STOPPING=1"))
    var status: Int32 = 0
    XCTAssertEqual(waitpid(pid, &status, 0), pid)
    reaped = true
    XCTAssertEqual(status, 0, "exit status")
  }
}
