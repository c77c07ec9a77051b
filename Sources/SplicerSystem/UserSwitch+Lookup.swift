import Glibc

extension UserSwitch {
  /// The passwd entry named `user`; nil when there is none.
  static func lookUp(user: String) throws(PrivilegeError) -> (name: String, uid: uid_t, gid: gid_t)? {
    try withLookUpBuffer("getpwnam_r(\(user))") { buffer in
      var entry = passwd()
      var result: UnsafeMutablePointer<passwd>?
      let code = getpwnam_r(user, &entry, buffer.baseAddress!, buffer.count, &result)
      guard code == 0 else { return .failed(code) }
      guard let found = result?.pointee else { return .found(nil) }
      return .found((String(cString: found.pw_name), found.pw_uid, found.pw_gid))
    }
  }

  /// The passwd entry with id `uid`; nil when there is none.
  static func lookUp(uid: uid_t) throws(PrivilegeError) -> (name: String, uid: uid_t, gid: gid_t)? {
    try withLookUpBuffer("getpwuid_r(\(uid))") { buffer in
      var entry = passwd()
      var result: UnsafeMutablePointer<passwd>?
      let code = getpwuid_r(uid, &entry, buffer.baseAddress!, buffer.count, &result)
      guard code == 0 else { return .failed(code) }
      guard let found = result?.pointee else { return .found(nil) }
      return .found((String(cString: found.pw_name), found.pw_uid, found.pw_gid))
    }
  }

  /// The group entry named `group`; nil when there is none.
  static func lookUp(group: String) throws(PrivilegeError) -> (name: String, gid: gid_t)? {
    try withLookUpBuffer("getgrnam_r(\(group))") { buffer in
      var entry = Glibc.group()
      var result: UnsafeMutablePointer<Glibc.group>?
      let code = getgrnam_r(group, &entry, buffer.baseAddress!, buffer.count, &result)
      guard code == 0 else { return .failed(code) }
      guard let found = result?.pointee else { return .found(nil) }
      return .found((String(cString: found.gr_name), found.gr_gid))
    }
  }

  /// The group entry with id `gid`; nil when there is none.
  static func lookUp(gid: gid_t) throws(PrivilegeError) -> (name: String, gid: gid_t)? {
    try withLookUpBuffer("getgrgid_r(\(gid))") { buffer in
      var entry = Glibc.group()
      var result: UnsafeMutablePointer<Glibc.group>?
      let code = getgrgid_r(gid, &entry, buffer.baseAddress!, buffer.count, &result)
      guard code == 0 else { return .failed(code) }
      guard let found = result?.pointee else { return .found(nil) }
      return .found((String(cString: found.gr_name), found.gr_gid))
    }
  }

  enum LookUpStep<Value> {
    case found(Value?)
    case failed(Int32)
  }

  /// Runs a get*_r call with a scratch buffer, growing it while the call says ERANGE. The
  /// entry's strings point into the buffer, so `body` copies out what it needs.
  private static func withLookUpBuffer<Value>(
    _ call: String, _ body: (UnsafeMutableBufferPointer<CChar>) -> LookUpStep<Value>
  ) throws(PrivilegeError) -> Value? {
    var size = 16 * 1024
    while true {
      var buffer = [CChar](repeating: 0, count: size)
      let step = buffer.withUnsafeMutableBufferPointer { body($0) }
      switch step {
      case .found(let value):
        return value
      case .failed(ERANGE) where size < 1 << 22:
        size *= 2
      case .failed(let code):
        throw PrivilegeError(.syscall(SyscallError(call: call, errno: code)))
      }
    }
  }
}
