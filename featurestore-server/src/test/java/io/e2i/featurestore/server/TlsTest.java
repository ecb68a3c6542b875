package io.e2i.featurestore.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.FeatureStore;
import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.embedded.EmbeddedFeatureStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Arrays;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS from PEM files: a self-signed certificate made here with the JDK's keytool, a client that
 * trusts it, real TLS over loopback.
 */
class TlsTest {
  @TempDir Path dir;
  FeatureStore store;

  @BeforeEach
  void open() {
    store = EmbeddedFeatureStore.open(dir.resolve("store"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  /** A key pair and self-signed certificate for localhost and 127.0.0.1, as PEM files. */
  record Pem(Path cert, Path pkcs8Key, KeyStore trust, PrivateKey key) {}

  private Pem selfSigned(String name, String algorithm) throws Exception {
    Path p12 = dir.resolve(name + ".p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process p =
        new ProcessBuilder(
                keytool,
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                algorithm,
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                p12.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(output).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(p12)) {
      ks.load(in, "changeit".toCharArray());
    }
    PrivateKey key = (PrivateKey) ks.getKey("server", "changeit".toCharArray());
    Certificate cert = ks.getCertificate("server");
    Path certFile = dir.resolve(name + ".crt");
    Path keyFile = dir.resolve(name + ".key");
    Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()));
    Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", cert);
    return new Pem(certFile, keyFile, trust, key);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static HttpClient trusting(KeyStore trust) throws Exception {
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).build();
  }

  private static int get(HttpClient client, String url) throws Exception {
    return client
        .send(
            HttpRequest.newBuilder(URI.create(url)).GET().build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private FeatureServer tls(Path cert, Path key) {
    return FeatureServer.start(
        store, ServerOptions.defaults(0), SecurityOptions.defaults().withTls(cert, key));
  }

  @Test
  void servesHttpsFromPemFilesAndNoPlainHttp() throws Exception {
    Pem pem = selfSigned("rsa", "RSA");
    try (FeatureServer server = tls(pem.cert(), pem.pkcs8Key())) {
      assertThat(server.url()).startsWith("https://127.0.0.1:");
      HttpClient client = trusting(pem.trust());
      assertThat(get(client, server.url() + "/health")).isEqualTo(200);
      assertThat(get(client, "https://localhost:" + server.port() + "/api/v1/feature-groups"))
          .isEqualTo(200);
      // Plain HTTP on the same port is not served.
      assertThatThrownBy(
              () ->
                  get(HttpClient.newHttpClient(), "http://127.0.0.1:" + server.port() + "/health"))
          .isInstanceOf(IOException.class);
      // A client that does not trust the certificate refuses the connection.
      assertThatThrownBy(() -> get(HttpClient.newHttpClient(), server.url() + "/health"))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void takesPkcs1RsaAndPkcs8EcKeys() throws Exception {
    Pem rsa = selfSigned("rsa1", "RSA");
    Path pkcs1 = dir.resolve("rsa1-pkcs1.key");
    Files.writeString(pkcs1, pem("RSA PRIVATE KEY", pkcs1Of(rsa.key().getEncoded())));
    try (FeatureServer server = tls(rsa.cert(), pkcs1)) {
      assertThat(get(trusting(rsa.trust()), server.url() + "/health")).isEqualTo(200);
    }
    Pem ec = selfSigned("ec", "EC");
    try (FeatureServer server = tls(ec.cert(), ec.pkcs8Key())) {
      assertThat(get(trusting(ec.trust()), server.url() + "/health")).isEqualTo(200);
    }
  }

  @Test
  void aKeyThatIsNotTheCertificatesOrNoKeyAtAllFailsTheStartNamingTheFile() throws Exception {
    Pem a = selfSigned("a", "RSA");
    Pem b = selfSigned("b", "RSA");
    assertThatThrownBy(() -> tls(a.cert(), b.pkcs8Key()))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("does not belong to the certificate")
        .hasMessageContaining(b.pkcs8Key().toString());
    assertThatThrownBy(() -> tls(a.cert(), a.cert()))
        .hasMessageContaining("holds no PEM private key");
    assertThatThrownBy(() -> tls(a.pkcs8Key(), a.pkcs8Key()))
        .hasMessageContaining("not a PEM certificate");
    Path encrypted = dir.resolve("enc.key");
    Files.writeString(encrypted, pem("ENCRYPTED PRIVATE KEY", new byte[] {1, 2, 3}));
    assertThatThrownBy(() -> tls(a.cert(), encrypted)).hasMessageContaining("is encrypted");
    assertThatThrownBy(() -> SecurityOptions.defaults().withTls(a.cert(), null))
        .hasMessageContaining("both a certificate and a key");
  }

  /** The PKCS#1 body inside a PKCS#8 RSA key: SEQUENCE { INTEGER, SEQUENCE, OCTET STRING }. */
  private static byte[] pkcs1Of(byte[] pkcs8) {
    int[] pos = {0};
    header(pkcs8, pos); // outer SEQUENCE
    skip(pkcs8, pos); // version
    skip(pkcs8, pos); // algorithm
    int length = header(pkcs8, pos); // OCTET STRING
    return Arrays.copyOfRange(pkcs8, pos[0], pos[0] + length);
  }

  private static int header(byte[] der, int[] pos) {
    pos[0]++; // tag
    int first = der[pos[0]++] & 0xff;
    if (first < 0x80) {
      return first;
    }
    int length = 0;
    for (int i = 0; i < (first & 0x7f); i++) {
      length = (length << 8) | (der[pos[0]++] & 0xff);
    }
    return length;
  }

  private static void skip(byte[] der, int[] pos) {
    int length = header(der, pos);
    pos[0] += length;
  }
}
