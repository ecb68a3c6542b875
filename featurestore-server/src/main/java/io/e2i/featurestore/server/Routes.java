package io.e2i.featurestore.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which methods each registered path answers, for the {@code Allow} header of a 405 (RFC 9110
 * requires it): a client that used the wrong method learns the right ones.
 */
final class Routes {
  private final Map<Pattern, TreeSet<String>> methodsByPath = new LinkedHashMap<>();

  Routes(List<Endpoint> endpoints) {
    Map<String, Pattern> patterns = new LinkedHashMap<>();
    for (Endpoint e : endpoints) {
      Pattern p = patterns.computeIfAbsent(e.path(), Routes::pattern);
      methodsByPath.computeIfAbsent(p, k -> new TreeSet<>()).add(e.method());
    }
  }

  /** "{group}" matches one path segment, as in Javalin. */
  private static Pattern pattern(String template) {
    StringBuilder regex = new StringBuilder();
    for (String part : template.split("(?=\\{)|(?<=})")) {
      regex.append(part.startsWith("{") ? "[^/]+" : Pattern.quote(part));
    }
    return Pattern.compile(regex.toString());
  }

  /** The methods {@code path} answers, e.g. "GET, POST"; empty when no route has that path. */
  String allowed(String path) {
    List<String> methods = new ArrayList<>();
    methodsByPath.forEach(
        (p, m) -> {
          if (p.matcher(path).matches()) {
            m.stream().filter(x -> !methods.contains(x)).forEach(methods::add);
          }
        });
    return String.join(", ", methods);
  }
}
