package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code featurestore} command. Every failure ends as one line {@code error: ...} on stderr and
 * an exit code: 2 for the caller's mistakes, 3 for an unavailable backend, 1 for anything else. A
 * stack trace appears only with {@code --verbose}.
 */
@Command(
    name = "featurestore",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "E2I Feature Store: serve, apply, ingest and read features.",
    subcommands = {
      ServeCommand.class,
      DemoCommand.class,
      ApplyCommand.class,
      IngestCommand.class,
      GetCommand.class,
      HistoryCommand.class,
      FreshnessCommand.class,
      StatsCommand.class,
      MaterializeCommand.class,
      SuggestCommand.class,
      ValidateCommand.class,
      TrainingDataCommand.class,
      TrainingSetsCommand.class,
      LineageCommand.class,
      TagRunCommand.class,
      GroupsCommand.class,
      FeaturesCommand.class,
      ConfigCommand.class,
      MigrateCommand.class,
      KeysCommand.class,
      AuditCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  public static final int EXIT_OK = 0;
  public static final int EXIT_UNEXPECTED = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_UNAVAILABLE = 3;

  /** Environment the configuration is read from; tests pass their own. */
  final Map<String, String> env;

  Main(Map<String, String> env) {
    this.env = env;
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  // Read from the raw arguments before parsing (see run); declared so every command accepts it.
  @CommandLine.Option(
      names = "--verbose",
      scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces of failures and backend logs.")
  boolean verbose;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  public static void main(String[] args) {
    boolean serve = Arrays.asList(args).contains("serve");
    boolean verbose = isVerbose(args);
    // Backends log through slf4j-simple to stderr; a CLI run shows only its own output.
    System.setProperty(
        "org.slf4j.simpleLogger.defaultLogLevel", verbose || serve ? "info" : "warn");
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    int code =
        run(
            System.getenv(),
            new PrintWriter(System.out, true),
            new PrintWriter(System.err, true),
            args);
    System.exit(code);
  }

  /** Runs one command line; returns the exit code. Used by {@link #main} and by tests. */
  public static int run(Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = commandLine(env, out, err, isVerbose(args));
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  static CommandLine commandLine(
      Map<String, String> env, PrintWriter out, PrintWriter err, boolean verbose) {
    CommandLine cl = new CommandLine(new Main(env));
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine failed = ex.getCommandLine();
          failed
              .getErr()
              .println(
                  "error: "
                      + oneLine(undoubled(ex.getMessage()))
                      + " (see '"
                      + failed.getCommandSpec().qualifiedName()
                      + " --help')");
          return EXIT_USAGE;
        });
    cl.setExecutionExceptionHandler(
        (ex, failed, parseResult) -> {
          PrintWriter e = failed.getErr();
          int code = exitCode(ex);
          e.println("error: " + message(ex));
          if (verbose) {
            ex.printStackTrace(e);
          } else if (code == EXIT_UNEXPECTED) {
            e.println("(run with --verbose for the stack trace)");
          }
          e.flush();
          return code;
        });
    return cl;
  }

  static int exitCode(Throwable ex) {
    if (ex instanceof FeatureStoreException fse) {
      return fse.code() == FeatureStoreException.Code.UNAVAILABLE ? EXIT_UNAVAILABLE : EXIT_USAGE;
    }
    if (ex instanceof CommandLine.ParameterException) {
      return EXIT_USAGE;
    }
    return EXIT_UNEXPECTED;
  }

  static String message(Throwable ex) {
    if (ex instanceof CommandLine.ParameterException) {
      return oneLine(undoubled(ex.getMessage()));
    }
    if (ex instanceof FeatureStoreException) {
      return oneLine(ex.getMessage());
    }
    String m = ex.getMessage();
    return "unexpected " + ex.getClass().getSimpleName() + (m == null ? "" : ": " + oneLine(m));
  }

  /**
   * picocli (4.7) formats a malformed map option as "Value for option option '--entity' ...": its
   * format says "option" and so does the option's description it fills in. Once is enough.
   */
  static @Nullable String undoubled(@Nullable String message) {
    return message == null ? null : message.replace("option option '", "option '");
  }

  /** Messages may carry URLs with passwords (JDBC errors) and several lines (DuckDB errors). */
  static String oneLine(@Nullable String message) {
    if (message == null) {
      return "(no message)";
    }
    // redact returns null only for null
    return Objects.requireNonNull(
        FeatureStoreConfig.redact(message.strip().replaceAll("\\s*\\R\\s*", " ")));
  }

  private static boolean isVerbose(String[] args) {
    return Arrays.asList(args).contains("--verbose");
  }

  /** Version from the jar manifest, when there is one. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"featurestore " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
  }
}
