package io.e2i.featurestore.server;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The feature discovery web UI (issue 14): plain HTML, CSS and JavaScript served from the jar
 * (resources under {@code io/e2i/featurestore/server/ui}), no build step and no CDN. The page and
 * its assets answer without a key, like {@code /openapi.json}: they hold no data. The page then
 * calls the API with the key the user gives it, as a bearer key, once the server asks for one.
 */
final class UiRoutes {
  static final String ROOT = "/";
  static final String ASSET = "/ui/{name}";

  /** Paths that answer without an API key. */
  static final Set<String> OPEN_PATHS = Set.of(ROOT, ASSET);

  private static final String BASE = "/io/e2i/featurestore/server/ui/";
  private static final Map<String, String> TYPES =
      Map.of(
          "index.html", "text/html; charset=utf-8",
          "app.js", "text/javascript; charset=utf-8",
          "app.css", "text/css; charset=utf-8",
          "favicon.svg", "image/svg+xml");
  private final Map<String, byte[]> assets;

  UiRoutes() {
    this.assets =
        Map.copyOf(
            TYPES.keySet().stream()
                .collect(java.util.stream.Collectors.toMap(n -> n, UiRoutes::load)));
  }

  private static byte[] load(String name) {
    try (InputStream in = UiRoutes.class.getResourceAsStream(BASE + name)) {
      if (in == null) {
        throw new IllegalStateException("UI asset missing from the jar: " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  List<Endpoint> endpoints() {
    return List.of(
        new Endpoint(
            "GET",
            ROOT,
            "ui",
            "The feature discovery web UI (HTML)",
            null,
            200,
            null,
            List.of(),
            ctx -> asset("index.html")),
        new Endpoint(
            "GET",
            ASSET,
            "ui_asset",
            "A static file of the web UI (app.js, app.css, favicon.svg)",
            null,
            200,
            null,
            List.of(404),
            this::asset));
  }

  private Object asset(Context ctx) {
    String name = ctx.pathParam("name");
    if (name.equals("index.html") || !assets.containsKey(name)) {
      throw new io.e2i.featurestore.FeatureStoreException(
          io.e2i.featurestore.FeatureStoreException.Code.NOT_FOUND,
          "no UI asset '" + (name.length() > 60 ? name.substring(0, 60) + "..." : name) + "'");
    }
    return asset(name);
  }

  private Endpoint.Raw asset(String name) {
    return new Endpoint.Raw(
        200, TYPES.get(name), java.util.Objects.requireNonNull(assets.get(name), name));
  }
}
