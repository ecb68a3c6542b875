package io.e2i.featurestore.embedded;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.spi.BackendProvider;
import java.nio.file.Path;

/**
 * Serves offline URLs {@code embedded:<dir>} and plain {@code embedded} ({@code ./data}): the
 * registry and the values in {@code <dir>/featurestore.duckdb}, no service needed.
 */
public final class EmbeddedBackendProvider implements BackendProvider {
  static final String SCHEME = "embedded";

  @Override
  public boolean supportsOffline(String url) {
    return url != null && (url.equals(SCHEME) || url.startsWith(SCHEME + ":"));
  }

  @Override
  public OfflineBackend openOffline(String url, FeatureStoreConfig config) {
    return open(dataDir(url));
  }

  /** Opens the registry and offline store kept in {@code dir}; closing both closes the file. */
  public static OfflineBackend open(Path dir) {
    DuckDbDatabase db = DuckDbDatabase.open(dir).retain();
    try {
      DuckDbRegistry registry = new DuckDbRegistry(db);
      try {
        return new OfflineBackend(registry, new DuckDbOfflineStore(db));
      } catch (RuntimeException e) {
        registry.close();
        throw e;
      }
    } finally {
      db.release(); // the opener's own hold; the registry and store keep theirs
    }
  }

  static Path dataDir(String url) {
    if (url.equals(SCHEME)) {
      return Path.of("data");
    }
    String dir = url.substring(SCHEME.length() + 1).trim();
    if (dir.startsWith("//")) {
      dir = dir.substring(2); // embedded:///abs/path
    }
    if (dir.isEmpty()) {
      throw FeatureStoreException.invalid(
          "offline URL '" + url + "' names no folder; use embedded:<dir>, e.g. embedded:./data");
    }
    return Path.of(dir);
  }
}
