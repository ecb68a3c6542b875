package io.e2i.featurestore.server;

import io.e2i.featurestore.FeatureStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * HTTPS from PEM files, as certbot, cert-manager and openssl write them: a certificate chain
 * (server certificate first) and an unencrypted private key, PKCS#8 ({@code BEGIN PRIVATE KEY};
 * RSA, EC or Ed25519) or PKCS#1 ({@code BEGIN RSA PRIVATE KEY}). The files are read once, at start.
 */
final class Tls {
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

  /** DER header of a PKCS#8 RSA key around a PKCS#1 body: version 0, rsaEncryption, NULL. */
  private static final byte[] RSA_ALGORITHM =
      HexFormat.of().parseHex("020100300d06092a864886f70d0101010500");

  private Tls() {}

  /** Jetty's TLS context holding the key and chain; fails naming the file that is wrong. */
  static SslContextFactory.Server context(Path certificateFile, Path keyFile) {
    List<X509Certificate> chain = certificates(certificateFile);
    PrivateKey key = privateKey(keyFile);
    checkPair(chain.getFirst(), key, certificateFile, keyFile);
    try {
      char[] password = randomPassword();
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", key, password, chain.toArray(new Certificate[0]));
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setKeyStore(store);
      ssl.setKeyStorePassword(new String(password));
      return ssl;
    } catch (GeneralSecurityException | IOException e) {
      throw FeatureStoreException.invalid(
          "cannot use the TLS certificate and key: " + e.getMessage());
    }
  }

  /** An HTTPS connector on host:port (HTTP/1.1 over TLS). */
  static Connector connector(
      Server server, HttpConfiguration http, SslContextFactory.Server ssl, String host, int port) {
    HttpConfiguration https = new HttpConfiguration(http);
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    // Clients on this machine call 127.0.0.1 with a certificate for a name: do not refuse them.
    secure.setSniHostCheck(false);
    https.addCustomizer(secure);
    ServerConnector connector =
        new ServerConnector(
            server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
    connector.setHost(host);
    connector.setPort(port);
    return connector;
  }

  static List<X509Certificate> certificates(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> chain =
          CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
              .map(c -> (X509Certificate) c)
              .toList();
      if (chain.isEmpty()) {
        throw FeatureStoreException.invalid(
            "TLS certificate file " + file + " holds no certificate");
      }
      return chain;
    } catch (IOException e) {
      throw FeatureStoreException.invalid("cannot read TLS certificate file " + file + ": " + e);
    } catch (GeneralSecurityException e) {
      throw FeatureStoreException.invalid(
          "TLS certificate file " + file + " is not a PEM certificate: " + e.getMessage());
    }
  }

  static PrivateKey privateKey(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw FeatureStoreException.invalid("cannot read TLS key file " + file + ": " + e);
    }
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      byte[] der = Base64.getMimeDecoder().decode(m.group(2));
      switch (type) {
        case "PRIVATE KEY" -> {
          return pkcs8(der, file);
        }
        case "RSA PRIVATE KEY" -> {
          return pkcs8(wrapPkcs1(der), file);
        }
        case "ENCRYPTED PRIVATE KEY" ->
            throw FeatureStoreException.invalid(
                "TLS key file "
                    + file
                    + " is encrypted; decrypt it: openssl pkcs8 -topk8 -nocrypt -in KEY -out"
                    + " key.pem");
        case "EC PRIVATE KEY" ->
            throw FeatureStoreException.invalid(
                "TLS key file "
                    + file
                    + " is a SEC1 EC key; convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in"
                    + " KEY -out key.pem");
        default -> {
          // e.g. "EC PARAMETERS" before the key: keep looking
        }
      }
    }
    throw FeatureStoreException.invalid(
        "TLS key file " + file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
  }

  private static PrivateKey pkcs8(byte[] der, Path file) {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
        // not this algorithm
      }
    }
    throw FeatureStoreException.invalid(
        "TLS key file " + file + " holds a private key of an unsupported kind");
  }

  /**
   * PKCS#1 RSAPrivateKey into PKCS#8 PrivateKeyInfo: SEQUENCE { 0, rsaEncryption, OCTET STRING }.
   */
  static byte[] wrapPkcs1(byte[] pkcs1) {
    byte[] octets = der((byte) 0x04, pkcs1);
    byte[] body = new byte[RSA_ALGORITHM.length + octets.length];
    System.arraycopy(RSA_ALGORITHM, 0, body, 0, RSA_ALGORITHM.length);
    System.arraycopy(octets, 0, body, RSA_ALGORITHM.length, octets.length);
    return der((byte) 0x30, body);
  }

  private static byte[] der(byte tag, byte[] content) {
    int n = content.length;
    byte[] length =
        n < 0x80
            ? new byte[] {(byte) n}
            : n < 0x100
                ? new byte[] {(byte) 0x81, (byte) n}
                : n < 0x10000
                    ? new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n}
                    : new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
    byte[] out = new byte[1 + length.length + n];
    out[0] = tag;
    System.arraycopy(length, 0, out, 1, length.length);
    System.arraycopy(content, 0, out, 1 + length.length, n);
    return out;
  }

  /**
   * Signs with the key and verifies with the certificate: a mismatch fails here, not in a
   * handshake.
   */
  private static void checkPair(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "RSASSA-PSS" -> "RSASSA-PSS";
          default -> key.getAlgorithm(); // Ed25519, Ed448
        };
    try {
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature signer = Signature.getInstance(algorithm);
      if (algorithm.equals("RSASSA-PSS")) {
        signer.setParameter(
            new java.security.spec.PSSParameterSpec(
                "SHA-256", "MGF1", java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
      }
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      if (algorithm.equals("RSASSA-PSS")) {
        verifier.setParameter(
            new java.security.spec.PSSParameterSpec(
                "SHA-256", "MGF1", java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
      }
      verifier.initVerify(cert.getPublicKey());
      verifier.update(probe);
      if (verifier.verify(signature)) {
        return;
      }
    } catch (GeneralSecurityException e) {
      // a key of another kind than the certificate's: a mismatch as well
    }
    throw FeatureStoreException.invalid(
        "the TLS key in " + keyFile + " does not belong to the certificate in " + certFile);
  }

  private static char[] randomPassword() {
    byte[] bytes = new byte[18];
    new SecureRandom().nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes).toCharArray();
  }
}
