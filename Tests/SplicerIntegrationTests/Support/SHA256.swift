import CTestCrypto

/// Incremental SHA-256 over libcrypto, for comparing what was sent with what arrived.
final class SHA256Digest {
  private let context: OpaquePointer
  private(set) var byteCount = 0

  init() {
    context = EVP_MD_CTX_new()
    EVP_DigestInit_ex(context, EVP_sha256(), nil)
  }

  deinit { EVP_MD_CTX_free(context) }

  func update(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count > 0 else { return }
    EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    byteCount += bytes.count
  }

  /// The hex digest; the object must not be updated afterwards.
  func finish() -> String {
    var digest = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 0
    EVP_DigestFinal_ex(context, &digest, &length)
    return digest.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
      .joined()
  }
}
