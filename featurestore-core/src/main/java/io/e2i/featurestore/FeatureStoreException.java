package io.e2i.featurestore;

import org.jspecify.annotations.Nullable;

/**
 * The one exception the feature store throws for the caller's mistakes and for unavailable
 * backends. Its {@link Code} decides the HTTP status and the CLI exit code; its message names what
 * was wrong.
 */
public final class FeatureStoreException extends RuntimeException {

  /** What kind of failure this is. */
  public enum Code {
    /** The request is malformed: a missing field, a bad timestamp, a bad name. HTTP 400. */
    INVALID_ARGUMENT(400),
    /** A value does not match its feature's type. HTTP 400. */
    TYPE_MISMATCH(400),
    /** A group, feature or version does not exist. HTTP 404. */
    NOT_FOUND(404),
    /** The request conflicts with what is stored, e.g. an ambiguous feature name. HTTP 409. */
    CONFLICT(409),
    /** A backend the request needs is down; nothing was written. HTTP 503. */
    UNAVAILABLE(503),
    /**
     * A bug: a backend failed in a way that is neither the caller's mistake nor an outage. HTTP
     * 500; the message names the operation only, the cause (never shown to clients) has the
     * details.
     */
    INTERNAL(500);

    private final int httpStatus;

    Code(int httpStatus) {
      this.httpStatus = httpStatus;
    }

    public int httpStatus() {
      return httpStatus;
    }
  }

  private final Code code;

  public FeatureStoreException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public FeatureStoreException(Code code, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }

  public static FeatureStoreException invalid(String message) {
    return new FeatureStoreException(Code.INVALID_ARGUMENT, message);
  }

  public static FeatureStoreException notFound(String message) {
    return new FeatureStoreException(Code.NOT_FOUND, message);
  }

  public static FeatureStoreException typeMismatch(String message) {
    return new FeatureStoreException(Code.TYPE_MISMATCH, message);
  }

  public static FeatureStoreException unavailable(String message, @Nullable Throwable cause) {
    return new FeatureStoreException(Code.UNAVAILABLE, message, cause);
  }

  public static FeatureStoreException internal(String message, Throwable cause) {
    return new FeatureStoreException(Code.INTERNAL, message, cause);
  }

  /**
   * What a backend's failure means to the caller: a {@link FeatureStoreException} stays as it is; a
   * lost connection, a refused one or a server going down is {@link Code#UNAVAILABLE} ("{@code
   * what}: why"); anything else is a bug, {@link Code#INTERNAL}, whose message is {@code what}
   * alone, so no SQL text or driver detail reaches a client.
   */
  public static FeatureStoreException fromBackend(String what, Throwable e) {
    if (e instanceof FeatureStoreException f) {
      return f;
    }
    Throwable outage = Outages.cause(e);
    if (outage != null) {
      return unavailable(what + ": " + Outages.describe(outage), e);
    }
    return internal(what + " failed", e);
  }
}
