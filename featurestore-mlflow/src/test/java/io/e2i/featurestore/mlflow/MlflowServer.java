package io.e2i.featurestore.mlflow;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The real MLflow server the tests talk to: {@code MLFLOW_TRACKING_URI} (env) or {@code
 * -Dmlflow.tracking.uri}, as started by {@code .ci/mlflow.sh}. Without one the tests skip, except
 * in CI ({@code CI=true}), where a missing or dead server is a failure.
 */
final class MlflowServer {
  private MlflowServer() {}

  static String uriOrSkip() {
    String uri = System.getProperty("mlflow.tracking.uri", System.getenv("MLFLOW_TRACKING_URI"));
    boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
    if (uri == null || uri.isBlank()) {
      String msg =
          "MLFLOW_TRACKING_URI is not set: start a server with `source .ci/mlflow.sh`"
              + " (pip-installs MLflow) to run the MLflow tests";
      if (ci) {
        fail("CI=true but " + msg);
      }
      skip(msg);
    }
    uri = uri.trim().replaceAll("/+$", "");
    if (!answers(uri)) {
      String msg = "MLflow at " + uri + " does not answer GET /health";
      if (ci) {
        fail("CI=true but " + msg);
      }
      skip(msg);
    }
    return uri;
  }

  private static void skip(String msg) {
    System.err.println("[featurestore-mlflow] skipping MLflow tests: " + msg);
    assumeTrue(false, "skipping: " + msg);
  }

  static boolean answers(String uri) {
    try {
      HttpResponse<Void> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(uri + "/health"))
                      .timeout(Duration.ofSeconds(3))
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }
}
