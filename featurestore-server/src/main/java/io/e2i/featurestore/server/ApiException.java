package io.e2i.featurestore.server;

/**
 * An HTTP-level failure of the caller's request (malformed JSON, body too large, unknown route)
 * that is not a {@link io.e2i.featurestore.FeatureStoreException}. Answered as {@code
 * {"error":{"code","message"}}} with {@link #status()}.
 */
final class ApiException extends RuntimeException {
  private final int status;
  private final String code;

  ApiException(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  static ApiException badRequest(String message) {
    return new ApiException(400, "INVALID_ARGUMENT", message);
  }

  static ApiException forbidden(String message) {
    return new ApiException(403, "FORBIDDEN", message);
  }

  static ApiException tooLarge(String message) {
    return new ApiException(413, "PAYLOAD_TOO_LARGE", message);
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }
}
