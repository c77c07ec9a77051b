import Glibc

/// One message read from a `DescriptorChannel`: its bytes and the descriptors that came with
/// it, in the order they were sent.
///
/// The receiver owns the descriptors (each one a new number in this process, close-on-exec)
/// and must keep, hand on or close every one.
public struct DescriptorMessage: Sendable, Equatable {
  public var data: [UInt8]
  public var descriptors: [Int32]

  public init(data: [UInt8], descriptors: [Int32]) {
    self.data = data
    self.descriptors = descriptors
  }

  /// Closes every descriptor the message brought.
  public func closeDescriptors() {
    for fd in descriptors { Glibc.close(fd) }
  }
}
