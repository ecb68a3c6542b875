package io.e2i.featurestore.mlflow;

import org.jspecify.annotations.Nullable;

/**
 * A failed MLflow call. Retryable failures (server unreachable, 5xx, 429) keep an entry at the head
 * of the queue; the others (4xx: MLflow rejected what we sent) would fail again on every replay.
 */
final class MlflowException extends RuntimeException {
  private final boolean retryable;
  private final int status;
  private final @Nullable String errorCode;

  MlflowException(
      String message,
      boolean retryable,
      int status,
      @Nullable String errorCode,
      @Nullable Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
    this.status = status;
    this.errorCode = errorCode;
  }

  static MlflowException unreachable(String what, Throwable cause) {
    return new MlflowException(
        "MLflow unreachable during " + what + ": " + cause, true, 0, null, cause);
  }

  boolean retryable() {
    return retryable;
  }

  /** HTTP status, 0 when no response arrived. */
  int status() {
    return status;
  }

  /** MLflow's error_code, e.g. RESOURCE_DOES_NOT_EXIST; null when none was sent. */
  @Nullable String errorCode() {
    return errorCode;
  }
}
