package io.e2i.featurestore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.FeatureStoreException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS settings in PostgreSQL URLs and options reach a real server: zonky's embedded PostgreSQL
 * started with {@code ssl=on} and certificates made by the openssl command line for the test (a CA,
 * a server certificate for {@code localhost} only, a client certificate for {@code postgres}, and
 * an unrelated CA). Which connection used TLS is read from the server's {@code pg_stat_ssl}.
 */
class PgTlsTest {
  @TempDir static Path certs;
  static EmbeddedPostgres pg;

  @BeforeAll
  static void start() throws Exception {
    makeCertificates();
    pg =
        EmbeddedPostgres.builder()
            .setServerConfig("ssl", "on")
            .setServerConfig("ssl_cert_file", file("server.crt"))
            .setServerConfig("ssl_key_file", file("server.key"))
            .setServerConfig("ssl_ca_file", file("ca.crt"))
            .setDataDirectoryCustomizer(dir -> restrictHba(dir.toPath()))
            .start();
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE tls_only");
      s.execute("CREATE DATABASE cert_auth");
    }
  }

  @AfterAll
  static void stop() throws IOException {
    if (pg != null) {
      pg.close();
    }
  }

  /** Plain connections refused to database tls_only; database cert_auth wants a client cert. */
  private static void restrictHba(Path dataDir) {
    Path hba = dataDir.resolve("pg_hba.conf");
    try {
      List<String> lines = new ArrayList<>();
      for (String host : List.of("127.0.0.1/32", "::1/128")) {
        lines.add("hostnossl tls_only all " + host + " reject");
        lines.add("hostnossl cert_auth all " + host + " reject");
        lines.add("hostssl cert_auth all " + host + " cert");
      }
      lines.addAll(Files.readAllLines(hba)); // first match wins: ours go first
      Files.write(hba, lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String url(String host, String database, String query) {
    return "postgresql://postgres@" + host + ":" + pg.getPort() + "/" + database + query;
  }

  /** Opens a pool as the feature store does and asks the server whether the session uses TLS. */
  private static boolean tls(String url, Map<String, String> options) throws SQLException {
    Map<String, String> quick = new HashMap<>(options);
    quick.put("connect_timeout_ms", "1000"); // a refused connection fails the test fast
    try (PgDatabase db = PgDatabase.open(url, quick);
        Connection c = db.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
      assertThat(rs.next()).isTrue();
      return rs.getBoolean(1);
    }
  }

  @Test
  void sslmodeRequireConnectsOverTlsAndDisableDoesNot() throws Exception {
    assertThat(tls(url("localhost", "postgres", "?sslmode=require"), Map.of())).isTrue();
    assertThat(tls(url("localhost", "postgres", "?sslmode=disable"), Map.of())).isFalse();
  }

  @Test
  void sslmodeFromTheOptions() throws Exception {
    assertThat(tls(url("localhost", "postgres", ""), Map.of("sslmode", "require"))).isTrue();
    assertThat(tls(url("localhost", "postgres", ""), Map.of("sslmode", "disable"))).isFalse();
    assertThat(
            tls(
                "jdbc:postgresql://localhost:" + pg.getPort() + "/postgres?user=postgres",
                Map.of("sslmode", "require")))
        .isTrue();
  }

  @Test
  void aServerThatOnlyAcceptsTlsRefusesSslmodeDisable() throws Exception {
    assertThat(tls(url("localhost", "tls_only", "?sslmode=require"), Map.of())).isTrue();
    assertThatThrownBy(() -> tls(url("localhost", "tls_only", "?sslmode=disable"), Map.of()))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("no encryption");
  }

  @Test
  void verifyFullChecksTheCertificateAndTheHostName() throws Exception {
    String ca = "&sslrootcert=" + file("ca.crt");
    assertThat(tls(url("localhost", "postgres", "?sslmode=verify-full" + ca), Map.of())).isTrue();
    // The certificate names localhost only: verify-ca accepts 127.0.0.1, verify-full does not.
    assertThat(tls(url("127.0.0.1", "postgres", "?sslmode=verify-ca" + ca), Map.of())).isTrue();
    assertThatThrownBy(
            () -> tls(url("127.0.0.1", "postgres", "?sslmode=verify-full" + ca), Map.of()))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("hostname 127.0.0.1 could not be verified");
    String other = "&sslrootcert=" + file("other-ca.crt");
    assertThatThrownBy(
            () -> tls(url("localhost", "postgres", "?sslmode=verify-full" + other), Map.of()))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("unable to find valid certification path");
  }

  @Test
  void requireWithARootCertificateChecksItAsLibpqDoes() throws Exception {
    assertThat(
            tls(
                url("localhost", "postgres", "?sslmode=require"),
                Map.of("sslrootcert", file("ca.crt"))))
        .isTrue();
    // pgjdbc alone would accept any certificate under require; libpq (and we) check it.
    assertThatThrownBy(
            () ->
                tls(
                    url("localhost", "postgres", "?sslmode=require"),
                    Map.of("sslrootcert", file("other-ca.crt"))))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("unable to find valid certification path");
  }

  @Test
  void aClientCertificateWithAPemKeyAuthenticates() throws Exception {
    Map<String, String> client =
        Map.of(
            "sslmode", "verify-full",
            "sslrootcert", file("ca.crt"),
            "sslcert", file("client.crt"),
            "sslkey", file("client.key"));
    assertThat(tls(url("localhost", "cert_auth", ""), client)).isTrue();
    assertThatThrownBy(() -> tls(url("localhost", "cert_auth", "?sslmode=require"), Map.of()))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("requires a valid client certificate");
  }

  // ------------------------------------------------------------------ certificates

  private static String file(String name) {
    return certs.resolve(name).toString();
  }

  private static void makeCertificates() throws Exception {
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=test-ca",
        "-keyout",
        file("ca.key"),
        "-out",
        file("ca.crt"));
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=other-ca",
        "-keyout",
        file("other-ca.key"),
        "-out",
        file("other-ca.crt"));
    signed("server", "/CN=localhost", "subjectAltName=DNS:localhost");
    signed("client", "/CN=postgres", "basicConstraints=CA:FALSE");
    for (String key : List.of("server.key", "client.key")) {
      // PostgreSQL and pgjdbc refuse a private key that others may read.
      Files.setPosixFilePermissions(
          certs.resolve(key), PosixFilePermissions.fromString("rw-------"));
    }
  }

  /** A key and a certificate for {@code subject}, signed by ca.crt. */
  private static void signed(String name, String subject, String extension) throws Exception {
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        subject,
        "-keyout",
        file(name + ".key"),
        "-out",
        file(name + ".csr"));
    Path ext = certs.resolve(name + ".ext");
    Files.writeString(ext, extension + "\n");
    openssl(
        "x509",
        "-req",
        "-in",
        file(name + ".csr"),
        "-CA",
        file("ca.crt"),
        "-CAkey",
        file("ca.key"),
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        ext.toString(),
        "-out",
        file(name + ".crt"));
  }

  private static void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      Assumptions.abort("openssl is not installed: " + e.getMessage());
      return;
    }
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", cmd) + "\n" + out).isZero();
  }
}
