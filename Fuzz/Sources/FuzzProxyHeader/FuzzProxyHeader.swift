import FuzzSupport
import SplicerProtocol

/// libFuzzer entry point: the input is the first bytes of a connection on a listener that expects
/// a PROXY protocol header (v1 text or v2 binary).
///
/// Besides not crashing, the parser must keep its contract, which the relay relies on to consume
/// exactly the header from the socket and nothing of the client's payload:
/// - a `.complete` header is no longer than the input nor than `maximumLength`, parses the same
///   from exactly its own bytes, and every proper prefix of it is `.needMore`;
/// - `.needMore` is only answered while fewer than `maximumLength` bytes are in, so a client
///   cannot make the relay peek forever;
/// - a prefix of an `.invalid` input is `.needMore` or `.invalid`, never a header.
// Exported as LLVMFuzzerTestOneInput because the fuzzer runtime's own main.o is linked in too
// and refers to it; main.swift starts the driver with this function either way.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProxyHeader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = UnsafeRawBufferPointer(start: data, count: size)
  let result = ProxyHeaderParser.parse(bytes)
  switch result {
  case .complete(let header, let length):
    precondition(length > 0 && length <= size, "header length \(length) outside the \(size) input bytes")
    precondition(length <= ProxyHeaderParser.maximumLength, "header length \(length) above the maximum")
    let own = ProxyHeaderParser.parse(UnsafeRawBufferPointer(rebasing: bytes[..<length]))
    precondition(own == .complete(header, length: length), "its own \(length) bytes parse as \(own)")
    for prefix in fuzzPrefixLengths(below: length) {
      let partial = ProxyHeaderParser.parse(UnsafeRawBufferPointer(rebasing: bytes[..<prefix]))
      precondition(partial == .needMore, "\(prefix) of the \(length) header bytes parse as \(partial)")
    }
  case .needMore:
    precondition(size < ProxyHeaderParser.maximumLength, "still .needMore after \(size) bytes")
  case .invalid:
    for prefix in fuzzPrefixLengths(below: size) {
      let partial = ProxyHeaderParser.parse(UnsafeRawBufferPointer(rebasing: bytes[..<prefix]))
      if case .complete = partial {
        preconditionFailure("\(prefix) bytes are a header but the \(size) bytes are \(result)")
      }
    }
  }
  return 0
}
