package io.e2i.featurestore.cli;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** A read that can print the HTTP API's JSON and can ask a running server instead of the store. */
abstract class ReadCommand extends BaseCommand {

  @Option(names = "--json", description = "Print JSON (the HTTP API's shape).")
  boolean json;

  @Option(
      names = "--server",
      paramLabel = "URL",
      description = "Ask a running server instead of opening the store.")
  @Nullable String server;

  @Option(
      names = "--api-key",
      paramLabel = "KEY",
      description =
          "API key for --server (default: the FS_API_KEY environment variable, which keeps the"
              + " key out of the process list).")
  @Nullable String apiKey;

  /** A client of {@code --server}, sending the API key from --api-key or FS_API_KEY. */
  RemoteClient remote(String serverUrl) {
    return new RemoteClient(serverUrl, apiKey != null ? apiKey : env().get("FS_API_KEY"));
  }
}
