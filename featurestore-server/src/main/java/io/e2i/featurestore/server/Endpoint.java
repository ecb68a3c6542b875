package io.e2i.featurestore.server;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One registered route and what the OpenAPI document says about it. The server registers exactly
 * the endpoints of {@link Api#endpoints()}, and {@link OpenApi} describes exactly those.
 *
 * @param method HTTP method, upper case
 * @param path Javalin path with {@code {param}} segments (the same syntax OpenAPI uses)
 * @param requestSchema name of a schema in {@link OpenApi}'s components, or null for no body
 * @param responseSchema name of the success response's schema, or null for a non-JSON body
 * @param errorStatuses the 4xx/5xx statuses this endpoint may answer besides the generic ones
 * @param otherOkStatuses further success statuses with the same body, e.g. 200 beside a create's
 *     201 when nothing had to be created
 */
record Endpoint(
    String method,
    String path,
    String operationId,
    String summary,
    @Nullable String requestSchema,
    int okStatus,
    @Nullable String responseSchema,
    List<Integer> errorStatuses,
    Action action,
    List<Integer> otherOkStatuses) {

  Endpoint(
      String method,
      String path,
      String operationId,
      String summary,
      @Nullable String requestSchema,
      int okStatus,
      @Nullable String responseSchema,
      List<Integer> errorStatuses,
      Action action) {
    this(
        method,
        path,
        operationId,
        summary,
        requestSchema,
        okStatus,
        responseSchema,
        errorStatuses,
        action,
        List.of());
  }

  /** This endpoint, also answering {@code status} with the success body. */
  Endpoint alsoAnswering(int status) {
    List<Integer> more = new java.util.ArrayList<>(otherOkStatuses);
    more.add(status);
    return new Endpoint(
        method,
        path,
        operationId,
        summary,
        requestSchema,
        okStatus,
        responseSchema,
        errorStatuses,
        action,
        List.copyOf(more));
  }

  /** The handler body: returns the response object (serialized as JSON) or a {@link Raw}. */
  @FunctionalInterface
  interface Action {
    Object handle(io.javalin.http.Context ctx) throws Exception;
  }

  /** A non-JSON (or pre-serialized) response body. */
  record Raw(int status, @Nullable String contentType, byte[] body) {}

  /** The handler wrote (streamed) the response itself, with this status. */
  record Answered(int status) {}
}
