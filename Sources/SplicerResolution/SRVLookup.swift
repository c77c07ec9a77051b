import CResolv
import Glibc
import SplicerConfig

/// One blocking SRV query through glibc's libresolv (`splicer_srv_query` in `CResolv`). Each
/// call has a resolver state of its own, so it is safe on any thread; only the discovery
/// thread and start-up call it, never a relay worker.
public enum SRVLookup {
  /// Records beyond this many in one answer are ignored.
  static let capacity = 256

  /// The SRV records of `name`, asked of `nameserver` (IPv4) or else the system's nameservers.
  public static func query(_ name: String, nameserver: Endpoint?) -> Result<[SRVRecord], DiscoveryFailure> {
    var address: UInt32 = 0
    var port: UInt16 = 0
    if let nameserver {
      guard inet_pton(AF_INET, nameserver.host, &address) == 1 else { return .failure(.resolverInit) }
      port = nameserver.port
    }
    var raw = [splicer_srv_record](repeating: splicer_srv_record(), count: capacity)
    let count = raw.withUnsafeMutableBufferPointer { buffer in
      splicer_srv_query(name, address, port, buffer.baseAddress, Int32(buffer.count))
    }
    switch count {
    case Int32(SPLICER_SRV_INIT_FAILED): return .failure(.resolverInit)
    case Int32(SPLICER_SRV_NXDOMAIN): return .failure(.nxdomain)
    case Int32(SPLICER_SRV_NO_DATA): return .failure(.empty)
    case Int32(SPLICER_SRV_TRY_AGAIN): return .failure(.timeout)
    case Int32(SPLICER_SRV_MALFORMED): return .failure(.malformed)
    case ..<0: return .failure(.failed)
    default:
      return .success(
        raw.prefix(Int(count)).map { record in
          var copy = record
          let target = withUnsafeBytes(of: &copy.target) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
          }
          return SRVRecord(
            target: target, port: record.port, priority: record.priority, weight: record.weight, ttl: record.ttl)
        })
    }
  }
}
