package io.e2i.featurestore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** A JSON client over real HTTP that sends an {@code Authorization} header (or none). */
final class KeyedClient {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final HttpClient client;
  private final String base;
  private final @Nullable String authorization;

  KeyedClient(HttpClient client, String base, @Nullable String authorization) {
    this.client = client;
    this.base = base;
    this.authorization = authorization;
  }

  static KeyedClient of(String base, @Nullable String key) {
    return new KeyedClient(
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(),
        base,
        key == null ? null : "Bearer " + key);
  }

  KeyedClient withAuthorization(@Nullable String header) {
    return new KeyedClient(client, base, header);
  }

  record Response(int status, HttpResponse<String> raw) {
    JsonNode json() {
      try {
        return MAPPER.readTree(raw.body());
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + raw.body(), e);
      }
    }

    String body() {
      return raw.body();
    }

    @Nullable String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }

    String errorCode() {
      return json().path("error").path("code").asText();
    }

    String errorMessage() {
      return json().path("error").path("message").asText();
    }

    @Override
    public String toString() {
      return status + " " + raw.body();
    }
  }

  Response get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  Response post(String path, String json) {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  Response delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
  }

  private Response send(HttpRequest.Builder b) {
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    try {
      HttpResponse<String> r =
          client.send(
              b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r);
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
