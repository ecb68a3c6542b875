package io.e2i.featurestore.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A minimal blocking HTTP/1.1 client over one keep-alive connection. The load generator uses it
 * instead of java.net.http so that on a 2-core machine the client costs little and adds no queue of
 * its own to the measured latency.
 */
final class HttpRawClient implements AutoCloseable {
  private final String host;
  private final int port;
  private Socket socket;
  private InputStream in;
  private OutputStream out;
  private final byte[] skip = new byte[64 * 1024];

  HttpRawClient(URI base) {
    this.host = base.getHost();
    this.port = base.getPort() < 0 ? 80 : base.getPort();
  }

  /**
   * The API key every request of this run carries ({@code Authorization: Bearer}), or null. One run
   * talks to one server as one caller, so it is set once, before the requests are built.
   */
  private static volatile String apiKey;

  static void apiKey(String key) {
    apiKey = key == null || key.isBlank() ? null : key.strip();
  }

  /** The bytes of a complete request, built once and sent many times. */
  static byte[] request(String method, URI base, String path, byte[] body) {
    String key = apiKey;
    String head =
        method
            + " "
            + path
            + " HTTP/1.1\r\nHost: "
            + base.getHost()
            + ":"
            + base.getPort()
            + (key == null ? "" : "\r\nAuthorization: Bearer " + key)
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + (body == null ? 0 : body.length)
            + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    if (body == null) {
      return h;
    }
    byte[] all = new byte[h.length + body.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(body, 0, all, h.length, body.length);
    return all;
  }

  /** Sends a request and reads the whole response; returns the status code. */
  int exchange(byte[] request) throws IOException {
    if (socket == null) {
      connect();
    }
    try {
      out.write(request);
      out.flush();
      return readResponse();
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  private void connect() throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress(host, port), 5000);
    socket.setSoTimeout(120_000);
    in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
  }

  private int readResponse() throws IOException {
    String status = line();
    if (status == null || !status.startsWith("HTTP/1.")) {
      throw new IOException("bad status line: " + status);
    }
    int code = Integer.parseInt(status.substring(9, 12));
    long length = -1;
    boolean chunked = false;
    boolean close = false;
    String header;
    while ((header = line()) != null && !header.isEmpty()) {
      int colon = header.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = header.substring(0, colon).trim();
      String value = header.substring(colon + 1).trim();
      if (name.equalsIgnoreCase("Content-Length")) {
        length = Long.parseLong(value);
      } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.contains("chunked")) {
        chunked = true;
      } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
        close = true;
      }
    }
    if (chunked) {
      long size;
      while ((size = Long.parseLong(line().trim().split(";")[0], 16)) > 0) {
        skipBytes(size);
        line();
      }
      line();
    } else if (length > 0) {
      skipBytes(length);
    }
    if (close) {
      close();
    }
    return code;
  }

  private void skipBytes(long n) throws IOException {
    while (n > 0) {
      int r = in.read(skip, 0, (int) Math.min(skip.length, n));
      if (r < 0) {
        throw new IOException("connection closed in a response body");
      }
      n -= r;
    }
  }

  private String line() throws IOException {
    StringBuilder sb = new StringBuilder(64);
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        int len = sb.length();
        if (len > 0 && sb.charAt(len - 1) == '\r') {
          sb.setLength(len - 1);
        }
        return sb.toString();
      }
      sb.append((char) c);
    }
    return sb.isEmpty() ? null : sb.toString();
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
      socket = null;
    }
  }
}
