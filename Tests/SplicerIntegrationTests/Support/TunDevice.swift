import Foundation
import Glibc

/// A layer-3 TUN interface `splt<pid>n<k>` with a /30 from 10.231.0.0/16: the kernel routes
/// the peer address into it and the owner of `fd` reads and writes the raw IPv4 packets.
///
/// The device is not persistent: it vanishes when `fd` closes, so even a crashed test run
/// leaves no interface, address or route behind, and the pid in the name keeps concurrent
/// runs apart. The owner (`ImpairedLink`) closes it.
final class TunDevice {
  let fd: Int32
  let name: String
  /// The address on this host's side of the interface (the relay connects from it).
  let localAddress: String
  /// The address routed into the interface (the relay connects to it).
  let peerAddress: String
  private static let tunSetIff: UInt = 0x4004_54CA
  private static let iffTun: Int16 = 0x0001
  private static let iffNoPi: Int16 = 0x1000

  init(index: Int) throws(LinkUnavailable) {
    guard let ip = ExternalProcess.find("ip") ?? ["/usr/sbin/ip", "/sbin/ip"].first(where: Self.isExecutable) else {
      throw LinkUnavailable(reason: "no `ip` (iproute2) to configure the test interface")
    }
    let pid = Int(getpid())
    name = "splt\(pid % 10_000_000)n\(index % 1000)"
    // 16384 /30s in 10.231.0.0/16; pid and index pick one, and a taken one is skipped.
    var subnet = (pid % 2048) * 8 + index % 8
    while Self.subnetInUse(ip, subnet) { subnet = (subnet + 1) % 16384 }
    let base = subnet * 4
    localAddress = "10.231.\(base / 256).\(base % 256 + 1)"
    peerAddress = "10.231.\(base / 256).\(base % 256 + 2)"

    let opened = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)
    guard opened >= 0 else { throw LinkUnavailable(reason: "cannot open /dev/net/tun: errno \(errno)") }
    fd = opened
    var request = [UInt8](repeating: 0, count: 40)
    for (offset, byte) in name.utf8.enumerated() { request[offset] = byte }
    withUnsafeBytes(of: (Self.iffTun | Self.iffNoPi).littleEndian) {
      request[16] = $0[0]; request[17] = $0[1]
    }
    let created = request.withUnsafeMutableBytes { ioctl(opened, Self.tunSetIff, $0.baseAddress!) }
    guard created == 0 else {
      let code = errno
      Glibc.close(opened)
      throw LinkUnavailable(reason: "TUNSETIFF failed with errno \(code) (needs root or CAP_NET_ADMIN)")
    }
    // Route the peer's replies from 127.0.0.1 out of this interface and accept packets to
    // 127.0.0.1 arriving on it: `ImpairedLink` forwards to a loopback server that way.
    let settings = [
      "/proc/sys/net/ipv4/conf/\(name)/route_localnet": "1",
      "/proc/sys/net/ipv4/conf/\(name)/rp_filter": "0",
      "/proc/sys/net/ipv6/conf/\(name)/disable_ipv6": "1",
    ]
    for (path, value) in settings { try? value.write(toFile: path, atomically: false, encoding: .utf8) }
    for arguments in [["addr", "add", "\(localAddress)/30", "dev", name], ["link", "set", name, "mtu", "1500", "up"]] {
      guard let result = try? ExternalProcess.run(ip, arguments), result.status == 0 else {
        Glibc.close(opened)
        throw LinkUnavailable(reason: "`ip \(arguments.joined(separator: " "))` failed")
      }
    }
    let localnet = try? String(contentsOfFile: "/proc/sys/net/ipv4/conf/\(name)/route_localnet", encoding: .utf8)
    guard localnet?.hasPrefix("1") == true else {
      Glibc.close(opened)
      throw LinkUnavailable(reason: "cannot set route_localnet on \(name)")
    }
  }

  /// Removes the interface (with its address and route).
  func close() {
    Glibc.close(fd)
  }

  private static func isExecutable(_ path: String) -> Bool {
    FileManager.default.isExecutableFile(atPath: path)
  }

  /// Whether any interface already has an address in the /30 `subnet` of 10.231.0.0/16.
  private static func subnetInUse(_ ip: String, _ subnet: Int) -> Bool {
    let base = subnet * 4
    guard
      let result = try? ExternalProcess.run(
        ip, ["-4", "-o", "addr", "show", "to", "10.231.\(base / 256).\(base % 256)/30"])
    else { return false }
    return !result.output.isEmpty
  }
}
