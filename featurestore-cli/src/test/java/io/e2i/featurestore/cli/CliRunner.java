package io.e2i.featurestore.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the CLI in-process against an embedded store in a test folder, capturing its output. */
final class CliRunner {

  record Run(int code, String out, String err) {
    List<String> errLines() {
      return err.lines().filter(l -> !l.isBlank()).toList();
    }
  }

  final Path dataDir;
  final Map<String, String> env = new HashMap<>();

  CliRunner(Path dir) {
    this.dataDir = dir.resolve("data");
    env.put("FS_OFFLINE_URL", "embedded:" + dataDir);
  }

  Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(env, new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }
}
