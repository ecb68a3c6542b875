package io.e2i.featurestore.server;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.jspecify.annotations.Nullable;

/**
 * The answers Jetty gives itself, to a request it refuses before any route sees it (a {@code %2F}
 * or {@code %00} in the path: "Ambiguous URI path separator"), as the same JSON error body as every
 * other error instead of Jetty's HTML page. Its wording is a reason phrase, never a stack trace.
 */
final class JettyErrors extends ErrorHandler {

  @Override
  public ByteBuffer badMessageError(
      int status, @Nullable String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, FeatureServer.JSON);
    return ByteBuffer.wrap(body(status, reason));
  }

  @Override
  protected void generateAcceptableResponse(
      Request baseRequest,
      HttpServletRequest request,
      HttpServletResponse response,
      int code,
      @Nullable String message)
      throws IOException {
    byte[] body = body(code, message);
    response.setContentType(FeatureServer.JSON);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  private static byte[] body(int status, @Nullable String reason) {
    return Wire.error(FeatureServer.codeFor(status), message(status, reason));
  }

  private static String message(int status, @Nullable String reason) {
    if (status == 400 && (reason == null || reason.isBlank() || reason.equals("Bad Request"))) {
      // Jetty names no reason for a NUL in the path, its commonest cause here.
      return "malformed request: the request line or a header is not valid HTTP (e.g. '%00' in"
          + " the path)";
    }
    // A 5xx of Jetty's own may carry an exception's text: keep it out, as for our own 500s.
    return status >= 500 || reason == null || reason.isBlank() ? "HTTP " + status : reason;
  }
}
