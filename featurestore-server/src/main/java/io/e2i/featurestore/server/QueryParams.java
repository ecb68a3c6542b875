package io.e2i.featurestore.server;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Refuses a query parameter an operation does not declare, and a declared one given twice, with a
 * 400 naming it: unknown fields are errors, in the query as in the body. What each operation
 * accepts is read from the OpenAPI document the server serves, so the two cannot drift apart.
 *
 * <p>{@link #LENIENT} paths take anything: a Prometheus scrape config may add {@code params}, and a
 * browser or proxy may add a cache-buster to the web UI's files; neither is an API call.
 */
final class QueryParams {
  static final Set<String> LENIENT = Set.of("/metrics", UiRoutes.ROOT, UiRoutes.ASSET);
  private static final int MAX_NAME = 64;

  /** "METHOD path" to the query parameters the operation declares, in the document's order. */
  private final Map<String, Set<String>> declared;

  private QueryParams(Map<String, Set<String>> declared) {
    this.declared = declared;
  }

  /** The query parameters each operation of {@code doc} (an OpenAPI document) declares. */
  @SuppressWarnings("unchecked")
  static QueryParams declaredIn(Map<String, Object> doc) {
    Map<String, Set<String>> declared = new HashMap<>();
    ((Map<String, Object>) doc.getOrDefault("paths", Map.of()))
        .forEach(
            (path, item) ->
                ((Map<String, Object>) item)
                    .forEach(
                        (method, op) -> {
                          if (op instanceof Map<?, ?> operation
                              && operation.get("parameters") instanceof List<?> params) {
                            declared.put(key(method, path), names(params));
                          }
                        }));
    return new QueryParams(Map.copyOf(declared));
  }

  private static Set<String> names(List<?> params) {
    Set<String> names = new LinkedHashSet<>();
    for (Object p : params) {
      if (p instanceof Map<?, ?> param
          && "query".equals(param.get("in"))
          && param.get("name") instanceof String name) {
        names.add(name);
      }
    }
    return names;
  }

  private static String key(String method, String path) {
    return method.toUpperCase(Locale.ROOT) + " " + path;
  }

  /** The query parameters {@code e} accepts (empty: none). */
  Set<String> of(Endpoint e) {
    return declared.getOrDefault(key(e.method(), e.path()), Set.of());
  }

  /** Throws a 400 naming the first parameter of the request that {@code e} does not accept. */
  void check(Endpoint e, HttpServletRequest req) {
    String query = req.getQueryString();
    if (query == null || query.isEmpty() || LENIENT.contains(e.path())) {
      return;
    }
    Set<String> known = of(e);
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue; // "?a=1&&b=2" or a bare "?": nothing was sent
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      if (!known.contains(name)) {
        throw ApiException.badRequest(
            "unknown query parameter '"
                + abbreviate(name)
                + "'; "
                + (known.isEmpty()
                    ? "this operation takes none"
                    : "known: " + String.join(", ", known)));
      }
      if (seen.merge(name, 1, Integer::sum) > 1) {
        throw ApiException.badRequest(
            "query parameter '" + name + "' is given more than once; give it once");
      }
    }
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(
          "malformed percent-encoding in query parameter '" + abbreviate(text) + "'");
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= MAX_NAME ? text : text.substring(0, MAX_NAME) + "...";
  }
}
