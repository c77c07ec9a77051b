import SplicerCore

/// libFuzzer entry point: the input is one datagram from the upgrade channel, after a first
/// byte that says how many descriptors arrived with it (0–255, so counts past the 253 a
/// datagram can carry are tried too).
///
/// Besides not crashing, the decoder must keep its contract, which the adoption relies on to
/// read every byte the old process sent and nothing else:
/// - a datagram that decodes encodes back to exactly its own bytes (the encoding is canonical,
///   so no byte was skipped and none was made up);
/// - its header agrees with it: payload length, descriptor count, the bounds of §4.1.
// Exported as LLVMFuzzerTestOneInput because the fuzzer runtime's own main.o is linked in too
// and refers to it; main.swift starts the driver with this function either way.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUpgradeWire(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = UnsafeBufferPointer(start: data, count: size)
  guard let descriptorCount = bytes.first.map(Int.init) else { return 0 }
  let datagram = Array(bytes.dropFirst())
  guard let envelope = try? UpgradeWire.decode(datagram, descriptorCount: descriptorCount) else { return 0 }
  let header = envelope.header
  precondition(Int(header.payloadLength) + UpgradeWire.headerLength == datagram.count, "payload length \(header)")
  precondition(Int(header.descriptorCount) == descriptorCount, "descriptor count \(header)")
  precondition(descriptorCount <= UpgradeWire.maximumDescriptors, "\(descriptorCount) descriptors accepted")
  let again = UpgradeWire.encode(
    envelope.message, sequence: header.sequence, version: header.version, descriptorCount: descriptorCount)
  precondition(again == datagram, "\(envelope.message) encodes to other bytes than it came from")
  return 0
}
