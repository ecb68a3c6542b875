package io.e2i.featurestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.e2i.featurestore.FeatureStoreException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Calls a running feature server's HTTP API ({@code --server URL}). The server's error body {@code
 * {"error": {"code", "message"}}} becomes a {@link FeatureStoreException} with the same message, so
 * the CLI reports it exactly as it would locally.
 */
final class RemoteClient {
  private final String base;
  private final HttpClient http;
  private final @Nullable String apiKey;

  RemoteClient(String serverUrl) {
    this(serverUrl, null);
  }

  /** With {@code apiKey} sent as {@code Authorization: Bearer}, when not null. */
  RemoteClient(String serverUrl, @Nullable String apiKey) {
    this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
    String url = serverUrl.strip();
    if (!url.startsWith("http://") && !url.startsWith("https://")) {
      throw FeatureStoreException.invalid(
          "--server must be an http:// or https:// URL, got '" + serverUrl + "'");
    }
    this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  JsonNode post(String path, Object body) {
    String json;
    try {
      json = Views.JSON.writeValueAsString(body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  JsonNode get(String path) {
    return send(
        HttpRequest.newBuilder(uri(path)).header("Accept", "application/json").GET().build());
  }

  JsonNode delete(String path) {
    return send(
        HttpRequest.newBuilder(uri(path)).header("Accept", "application/json").DELETE().build());
  }

  private URI uri(String path) {
    try {
      return URI.create(base + path);
    } catch (IllegalArgumentException e) {
      throw FeatureStoreException.invalid("bad --server URL '" + base + "': " + e.getMessage());
    }
  }

  private JsonNode send(HttpRequest request) {
    HttpResponse<String> response;
    try {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(request, (n, v) -> true).timeout(Duration.ofSeconds(30));
      if (apiKey != null) {
        b.header("Authorization", "Bearer " + apiKey);
      }
      response = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw FeatureStoreException.unavailable("server " + base + " is unreachable", e);
    } catch (HttpTimeoutException e) {
      throw FeatureStoreException.unavailable("server " + base + " did not answer in time", e);
    } catch (IOException e) {
      throw FeatureStoreException.unavailable(
          "server " + base + " failed: " + e.getClass().getSimpleName() + " " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw FeatureStoreException.unavailable("interrupted while calling " + base, e);
    }
    JsonNode body = parse(response.body());
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      if (body == null) {
        throw new IllegalStateException("server " + base + " answered with no JSON body");
      }
      return body;
    }
    String message =
        body != null && body.path("error").path("message").isTextual()
            ? body.path("error").path("message").textValue()
            : "HTTP " + status + " from " + request.uri();
    throw new FeatureStoreException(code(status, body), message);
  }

  private static FeatureStoreException.Code code(int status, @Nullable JsonNode body) {
    if (body != null && body.path("error").path("code").isTextual()) {
      try {
        return FeatureStoreException.Code.valueOf(
            body.path("error").path("code").textValue().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        // fall back to the status
      }
    }
    return switch (status) {
      case 404 -> FeatureStoreException.Code.NOT_FOUND;
      case 409 -> FeatureStoreException.Code.CONFLICT;
      default ->
          status >= 400 && status < 500
              ? FeatureStoreException.Code.INVALID_ARGUMENT
              : FeatureStoreException.Code.UNAVAILABLE;
    };
  }

  private static @Nullable JsonNode parse(@Nullable String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return Views.JSON.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }
}
