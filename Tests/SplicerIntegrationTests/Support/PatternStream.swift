/// A deterministic, seekable byte stream: what a test sends and what it expects back.
///
/// Bytes come from a fixed 1 MiB pseudo-random block, entered at an offset derived from the
/// seed and read cyclically, so generating even 256 MiB is just memcpy and both ends can
/// compute the expected digest independently.
struct PatternStream {
  static let block: [UInt8] = {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var bytes = [UInt8](repeating: 0, count: 1 << 20)
    for i in stride(from: 0, to: bytes.count, by: 8) {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      withUnsafeBytes(of: state) { raw in
        for j in 0..<8 { bytes[i + j] = raw[j] }
      }
    }
    return bytes
  }()

  let seed: UInt64
  let length: Int
  private(set) var position = 0

  init(seed: UInt64, length: Int) {
    self.seed = seed
    self.length = length
  }

  var remaining: Int { length - position }

  /// Copies the next unsent bytes (at most `buffer.count`) without advancing; returns how many.
  func peek(into buffer: UnsafeMutableRawBufferPointer) -> Int {
    let count = min(buffer.count, remaining)
    fill(buffer, from: position, count: count)
    return count
  }

  /// Marks `count` bytes as sent (after a partial write).
  mutating func advance(by count: Int) {
    position += count
  }

  /// Copies `count` bytes starting at stream offset `offset` without advancing.
  func fill(_ buffer: UnsafeMutableRawBufferPointer, from offset: Int, count: Int) {
    let blockSize = Self.block.count
    var written = 0
    Self.block.withUnsafeBytes { block in
      while written < count {
        let start = (offset + written + Int(seed % 1_000_003) * 7) % blockSize
        let run = min(count - written, blockSize - start)
        (buffer.baseAddress! + written).copyMemory(from: block.baseAddress! + start, byteCount: run)
        written += run
      }
    }
  }

  /// The SHA-256 of the whole stream.
  func expectedDigest() -> String {
    let digest = SHA256Digest()
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { scratch.deallocate() }
    var offset = 0
    while offset < length {
      let count = min(scratch.count, length - offset)
      fill(scratch, from: offset, count: count)
      digest.update(UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
      offset += count
    }
    return digest.finish()
  }
}
