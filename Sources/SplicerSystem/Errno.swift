import Glibc

/// Symbolic names for the errno values a proxy meets, for logs and metric labels.
public enum Errno {
  private static let names: [Int32: String] = [
    EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", EBADF: "EBADF",
    EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT", EBUSY: "EBUSY",
    EEXIST: "EEXIST", EINVAL: "EINVAL", ENFILE: "ENFILE", EMFILE: "EMFILE", ENOSPC: "ENOSPC",
    EPIPE: "EPIPE", ENOSYS: "ENOSYS", ENOTSOCK: "ENOTSOCK", EOPNOTSUPP: "EOPNOTSUPP",
    EADDRINUSE: "EADDRINUSE", EADDRNOTAVAIL: "EADDRNOTAVAIL", ENETDOWN: "ENETDOWN",
    ENETUNREACH: "ENETUNREACH", ECONNABORTED: "ECONNABORTED", ECONNRESET: "ECONNRESET",
    ENOBUFS: "ENOBUFS", ENOTCONN: "ENOTCONN", ETIMEDOUT: "ETIMEDOUT",
    ECONNREFUSED: "ECONNREFUSED", EHOSTDOWN: "EHOSTDOWN", EHOSTUNREACH: "EHOSTUNREACH",
    EINPROGRESS: "EINPROGRESS", EALREADY: "EALREADY", EPROTO: "EPROTO",
  ]

  /// The C library's text for `code`, from strerror.
  public static func message(of code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(validatingCString: text) ?? "errno \(code)"
  }

  public static func name(of code: Int32) -> String {
    names[code] ?? "errno \(code)"
  }
}
