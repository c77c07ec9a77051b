import FuzzSupport
import SplicerProtocol

/// The most bytes the fuzzed relay is willing to peek for a ClientHello: small enough that the
/// fuzzer's inputs (4 KiB by default) cross it, large enough for the captured ClientHellos.
let fuzzMaximumSize = 1 << 10

/// libFuzzer entry point: the input is the first bytes of a connection on a listener that routes
/// by TLS server name (SNI).
///
/// Besides not crashing, the parser must keep its contract, which the relay relies on to decide
/// once and never wait forever:
/// - an answer other than `.needMore` does not depend on how much was read: every proper prefix
///   of the input is `.needMore` or that same answer;
/// - `.needMore` is only answered while fewer than `maximumSize` bytes are in, so a client cannot
///   make the relay peek forever;
/// - a whole ClientHello found in the input gives the same answer with `maximumSize` cut down to
///   the input's size, since it fit.
// Exported as LLVMFuzzerTestOneInput because the fuzzer runtime's own main.o is linked in too
// and refers to it; main.swift starts the driver with this function either way.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClientHello(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = UnsafeRawBufferPointer(start: data, count: size)
  let result = ClientHelloParser.parse(bytes, maximumSize: fuzzMaximumSize)
  if result != .needMore {
    for prefix in fuzzPrefixLengths(below: size) {
      let partial = ClientHelloParser.parse(
        UnsafeRawBufferPointer(rebasing: bytes[..<prefix]), maximumSize: fuzzMaximumSize)
      precondition(
        partial == .needMore || partial == result, "\(prefix) of \(size) bytes give \(partial), all give \(result)")
    }
  }
  switch result {
  case .needMore:
    precondition(size < fuzzMaximumSize, "still .needMore after \(size) bytes")
  case .serverName, .noServerName:
    let capped = ClientHelloParser.parse(bytes, maximumSize: size)
    precondition(capped == result, "maximumSize \(size) gives \(capped), \(fuzzMaximumSize) gives \(result)")
  default:
    break
  }
  return 0
}
