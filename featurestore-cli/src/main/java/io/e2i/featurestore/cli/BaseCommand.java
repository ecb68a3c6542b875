package io.e2i.featurestore.cli;

import io.e2i.featurestore.FeatureStore;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** What every subcommand shares: the store flags, the environment and the output streams. */
abstract class BaseCommand implements Callable<Integer> {

  @ParentCommand @Nullable Main main;

  @Mixin StoreOptions store;

  @Spec CommandSpec spec;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  Map<String, String> env() {
    return main == null ? System.getenv() : main.env;
  }

  FeatureStore openStore() {
    return store.open(env());
  }

  @Override
  public final Integer call() throws Exception {
    int code = execute();
    out().flush();
    err().flush();
    return code;
  }

  abstract int execute() throws Exception;
}
