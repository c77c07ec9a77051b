import SplicerRouting

/// One connect in flight: what `Session.Phase.connecting` owns.
///
/// The attempt owns the upstream socket (registered with the worker's loop; closed by the
/// session when the attempt fails or the session closes) and the server's `ServerLoadBoard`
/// slot, taken before the socket was made. A successful attempt hands both to the `Relay`.
struct ConnectAttempt {
  /// The upstream socket, connecting (non-blocking).
  let server: Int32
  /// The server being connected to; its slot is `backend.id` on the `ServerLoadBoard`.
  let backend: Backend
}
