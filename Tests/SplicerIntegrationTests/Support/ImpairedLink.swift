import Foundation
import Glibc

@testable import SplicerRouting

/// A faulty network path between the relay and a loopback `TestBackend`, built from a TUN
/// interface and a thread that plays both the wire and `tc netem` in user space.
///
/// The relay is configured with the server `peerAddress:port` (`serverAddress(port:)`); the
/// kernel routes those packets into the TUN device. This link's thread reads each packet,
/// rewrites it to `127.0.0.1:port` coming from `peerAddress` (a user-space NAT; the replies
/// are rewritten back), and delivers it after the `LinkImpairment` of its direction: delay,
/// jitter, loss, reordering, or a cut. The server sees an ordinary connection from
/// `peerAddress`, so the existing `TestBackend` behaviours all work across the link.
///
/// Why not `ip netns` + veth + `tc netem`: kernels built without `CONFIG_NET_SCH_NETEM` (the
/// project's test and CI machines among them) have no netem, and TUN needs nothing but
/// `/dev/net/tun` and root. The link owns its device and thread; `close()` stops both (the
/// test must call it), and the device disappears with its descriptor even if the test
/// process dies.
final class ImpairedLink: @unchecked Sendable {
  private struct Queued {
    let release: Double
    let packet: [UInt8]
    let direction: LinkDirection
  }

  private let device: TunDevice
  private let lock = NSCondition()
  private var impairments: [LinkImpairment] = [.none, .none]
  private var counts: [LinkStats] = [LinkStats(), LinkStats()]
  private var stopping = false
  private var finished = false
  private var random: SplitMix64
  /// Packets waiting for their release time, sorted by it (ties keep arrival order).
  private var queue: [Queued] = []
  private let local: [UInt8]
  private let peer: [UInt8]
  private let loopback: [UInt8] = [127, 0, 0, 1]

  /// Creates the interface and starts forwarding with no impairment.
  init(index: Int, seed: UInt64 = 1) throws(LinkUnavailable) {
    device = try TunDevice(index: index)
    local = IPv4Rewrite.address(device.localAddress)
    peer = IPv4Rewrite.address(device.peerAddress)
    random = SplitMix64(seed: seed)
    // The thread keeps the link alive until `close()` stops it.
    let thread = Thread { self.forward() }
    thread.name = "impaired-link"
    thread.start()
  }

  var interfaceName: String { device.name }

  /// The server address to put in the relay's config for a `TestBackend` on `port`.
  func serverAddress(port: UInt16) -> String { "\(device.peerAddress):\(port)" }

  /// Applies `impairment` from now on to the packets of `directions`; packets already queued
  /// keep their release times.
  func impair(_ impairment: LinkImpairment, _ directions: [LinkDirection] = LinkDirection.allCases) {
    lock.lock()
    for direction in directions { impairments[direction.rawValue] = impairment }
    lock.unlock()
  }

  /// What happened to the packets of `direction` so far.
  func stats(_ direction: LinkDirection) -> LinkStats {
    lock.lock()
    defer { lock.unlock() }
    return counts[direction.rawValue]
  }

  /// Stops forwarding and removes the interface; waits for the thread.
  func close() {
    lock.lock()
    if stopping {
      lock.unlock()
      return
    }
    stopping = true
    while !finished { lock.wait() }
    lock.unlock()
    device.close()
  }

  private func forward() {
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
    defer {
      scratch.deallocate()
      lock.lock()
      finished = true
      lock.broadcast()
      lock.unlock()
    }
    while true {
      let now = TestClock.now()
      let wait = queue.first.map { max(0, Int(($0.release - now) * 1000)) } ?? 50
      var entry = pollfd(fd: device.fd, events: Int16(POLLIN), revents: 0)
      _ = poll(&entry, 1, Int32(min(wait, 50)))
      // Read the settings after the wait: a test that impairs and then connects expects its
      // first SYN to be impaired already.
      lock.lock()
      let current = impairments
      let stop = stopping
      lock.unlock()
      if stop { return }
      // Read everything pending, then deliver what is due: a burst is queued in arrival order.
      for _ in 0..<512 {
        let count = read(device.fd, scratch.baseAddress, scratch.count)
        if count <= 0 { break }
        accept(Array(UnsafeRawBufferPointer(rebasing: scratch[0..<count])), current)
      }
      deliverDue()
    }
  }

  /// Rewrites one packet read from the device and drops, queues or delivers it.
  private func accept(_ bytes: [UInt8], _ current: [LinkImpairment]) {
    var packet = bytes
    guard let (source, destination) = IPv4Rewrite.endpoints(packet), destination == peer else { return }
    let direction: LinkDirection
    if source == loopback {
      // The server's reply: make it come from the peer and go to the relay's address.
      direction = .toRelay
      IPv4Rewrite.rewrite(&packet, source: peer, destination: local)
    } else {
      // The relay's packet to the peer: hand it to the loopback server, from the peer.
      direction = .toServer
      IPv4Rewrite.rewrite(&packet, source: peer, destination: loopback)
    }
    let impairment = current[direction.rawValue]
    if impairment.loss > 0 && random.unit() < impairment.loss {
      count(direction) { $0.dropped += 1 }
      return
    }
    let now = TestClock.now()
    var release = now
    if impairment.reorder > 0 && random.unit() < impairment.reorder {
      count(direction) { $0.reordered += 1 }
    } else if impairment.delay > 0 || impairment.jitter > 0 {
      release += max(0, impairment.delay + (random.unit() * 2 - 1) * impairment.jitter)
    }
    if release <= now && queue.isEmpty {
      deliver(packet, direction)
      return
    }
    // Insert after every packet released no later than this one (binary search).
    var low = 0
    var high = queue.count
    while low < high {
      let middle = (low + high) / 2
      if queue[middle].release <= release { low = middle + 1 } else { high = middle }
    }
    queue.insert(Queued(release: release, packet: packet, direction: direction), at: low)
  }

  private func deliverDue() {
    let now = TestClock.now()
    var due = 0
    while due < queue.count && queue[due].release <= now { due += 1 }
    for item in queue[0..<due] { deliver(item.packet, item.direction) }
    queue.removeFirst(due)
  }

  private func deliver(_ packet: [UInt8], _ direction: LinkDirection) {
    // A TUN write hands the packet to the stack at once; it does not block.
    _ = packet.withUnsafeBytes { write(device.fd, $0.baseAddress, $0.count) }
    count(direction) { $0.delivered += 1 }
  }

  private func count(_ direction: LinkDirection, _ change: (inout LinkStats) -> Void) {
    lock.lock()
    change(&counts[direction.rawValue])
    lock.unlock()
  }
}
