import NIOCore
import NIOHTTP1
import NIOPosix
import SplicerSystem

/// The admin HTTP/1 endpoint, served by SwiftNIO on its own single thread so that scrapes
/// never run on, or wait for, a relay worker.
///
/// Owns its NIO event-loop group and the listening socket it was given.
public final class AdminServer: Sendable {
  private let group: MultiThreadedEventLoopGroup
  private let channel: any Channel
  public let address: SplicerSystem.SocketAddress

  /// Serves `routes` on a socket the caller bound (so that binding happens with the other
  /// listeners, before privileges are dropped), on `eventLoop`'s thread (by default one
  /// started now). Takes the loop: it is shut down when this fails or stops.
  public init(boundSocket fd: Int32, routes: AdminRoutes, eventLoop: AdminEventLoop = AdminEventLoop()) throws {
    group = eventLoop.group
    do {
      address = try Socket.localAddress(fd)
      channel = try ServerBootstrap(group: group)
        .serverChannelOption(ChannelOptions.backlog, value: 64)
        .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 4)
        .childChannelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            let sync = channel.pipeline.syncOperations
            try sync.configureHTTPServerPipeline(withErrorHandling: true)
            try sync.addHandler(IdleStateHandler(readTimeout: .seconds(30)))
            try sync.addHandler(AdminHTTPHandler(routes: routes))
          }
        }
        .withBoundSocket(fd)
        .wait()
    } catch {
      try? group.syncShutdownGracefully()
      throw error
    }
  }

  /// Closes the socket and stops the thread.
  public func stop() {
    try? channel.close().wait()
    try? group.syncShutdownGracefully()
  }
}

/// One admin connection: collects a request, answers it from `AdminRoutes`, refuses bodies.
final class AdminHTTPHandler: ChannelInboundHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  private let routes: AdminRoutes
  private var head: HTTPRequestHead?
  private var bodyBytes = 0
  private var refused = false

  init(routes: AdminRoutes) {
    self.routes = routes
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let request):
      head = request
      bodyBytes = 0
      refused = false
    case .body(let buffer):
      bodyBytes += buffer.readableBytes
      if bodyBytes > AdminRoutes.maximumBodyBytes && !refused {
        refused = true
        write(context: context, .text(413, "request body too large"), keepAlive: false, head: false)
      }
    case .end:
      guard let request = head, !refused else { return }
      head = nil
      let response = routes.respond(method: request.method.rawValue, uri: request.uri)
      write(context: context, response, keepAlive: request.isKeepAlive, head: request.method == .HEAD)
    }
  }

  /// Malformed HTTP: NIO's protocol error handler has answered 400; end the connection
  /// instead of leaving it to the idle timeout.
  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    context.close(promise: nil)
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if event is IdleStateHandler.IdleStateEvent {
      context.close(promise: nil)
    } else {
      context.fireUserInboundEventTriggered(event)
    }
  }

  private func write(context: ChannelHandlerContext, _ response: AdminRoutes.Response, keepAlive: Bool, head: Bool) {
    var headers = HTTPHeaders()
    headers.add(name: "Content-Type", value: response.contentType)
    headers.add(name: "Content-Length", value: "\(response.body.count)")
    headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
    for (name, value) in response.extraHeaders { headers.add(name: name, value: value) }
    let status = HTTPResponseStatus(statusCode: response.status)
    context.write(
      wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
    if !head {
      var buffer = context.channel.allocator.buffer(capacity: response.body.count)
      buffer.writeBytes(response.body)
      context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
    }
    let done = context.writeAndFlushPromise()
    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
    if !keepAlive {
      // Half-close only: a client still sending a refused body would otherwise get a reset
      // that can destroy the response before it reads it. The rest of its body is discarded,
      // and the idle timeout bounds how long that may take.
      done.futureResult.whenComplete { [context] _ in context.close(mode: .output, promise: nil) }
    }
  }
}

extension ChannelHandlerContext {
  fileprivate func writeAndFlushPromise() -> EventLoopPromise<Void> {
    eventLoop.makePromise()
  }
}
