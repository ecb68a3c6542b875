package io.e2i.featurestore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command on the embedded default while {@code featurestore serve} (a real second process, this
 * module's Main) holds the same folder: DuckDB lets one process open the file, so the command says
 * who holds it and what to do instead, in one line, exit 3, no stack trace.
 */
class StoreInUseTest {
  @TempDir Path dir;

  @Test
  void aCommandOnAStoreAServerHoldsNamesTheServerAndWhatToDo() throws Exception {
    CliRunner cli = new CliRunner(dir);
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "serve",
            "--port",
            "0",
            "--no-scheduler");
    pb.environment().put("FS_OFFLINE_URL", "embedded:" + cli.dataDir);
    pb.redirectErrorStream(true);
    Process server = pb.start();
    try {
      List<String> output = new ArrayList<>();
      BufferedReader lines =
          new BufferedReader(
              new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      for (String line = lines.readLine(); ; line = lines.readLine()) {
        assertThat(line).as("the server's output until it serves: %s", output).isNotNull();
        output.add(line);
        if (line.startsWith("featurestore serving on")) {
          break;
        }
      }
      // Its later output must not fill the pipe and stall it.
      Thread.ofVirtual().start(() -> lines.lines().forEach(l -> {}));
      CliRunner.Run r = cli.run("groups");
      assertThat(r.code()).as(r.out() + r.err()).isEqualTo(3);
      assertThat(r.errLines()).as(r.err()).hasSize(1);
      assertThat(r.errLines().getFirst())
          .startsWith("error: the embedded store " + cli.dataDir)
          .contains("in use by another process (PID " + server.pid() + ")")
          .contains("probably a running 'featurestore serve'")
          .contains("HTTP API")
          .contains("--server URL")
          .contains("stop the server");
      assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
    } finally {
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly().waitFor();
      }
    }
    // Once the server has stopped, the same command works.
    assertThat(cli.run("groups").code()).isZero();
  }
}
