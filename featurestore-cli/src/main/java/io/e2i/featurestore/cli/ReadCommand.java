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
}
