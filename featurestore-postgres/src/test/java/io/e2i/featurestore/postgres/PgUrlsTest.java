package io.e2i.featurestore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.FeatureStoreException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PgUrlsTest {

  @Test
  void supabaseUrlSplitsIntoJdbcUrlAndCredentials() {
    PgUrls.Target t =
        PgUrls.parse(
            "postgresql://postgres.abcd:p%40ss:w0rd@aws-0-eu.pooler.supabase.com:6543/postgres"
                + "?sslmode=require",
            Map.of());
    assertThat(t.jdbcUrl())
        .isEqualTo("jdbc:postgresql://aws-0-eu.pooler.supabase.com:6543/postgres?sslmode=require");
    assertThat(t.user()).isEqualTo("postgres.abcd");
    assertThat(t.password()).isEqualTo("p@ss:w0rd");
    assertThat(t.prepareThreshold()).isNull();
    assertThat(t.toString()).doesNotContain("w0rd");
  }

  @Test
  void postgresSchemeAndMissingDatabaseDefaultToPostgres() {
    PgUrls.Target t = PgUrls.parse("postgres://u@db.example.com", Map.of());
    assertThat(t.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.com/postgres");
    assertThat(t.user()).isEqualTo("u");
    assertThat(t.password()).isNull();
  }

  @Test
  void jdbcUrlsPassThroughAndAreRedacted() {
    String url = "jdbc:postgresql://h:5432/db?user=u&password=topsecret&prepareThreshold=0";
    PgUrls.Target t = PgUrls.parse(url, Map.of());
    assertThat(t.jdbcUrl()).isEqualTo(url);
    assertThat(t.toString()).doesNotContain("topsecret");
  }

  @Test
  void prepareThresholdComesFromTheOptionOrPgbouncerFlag() {
    assertThat(
            PgUrls.parse("postgresql://u:p@h:6543/db", Map.of("prepare_threshold", "0"))
                .prepareThreshold())
        .isZero();
    assertThat(
            PgUrls.parse("postgresql://u:p@h:6543/db?pgbouncer=true", Map.of()).prepareThreshold())
        .isZero();
    assertThatThrownBy(
            () -> PgUrls.parse("postgresql://u:p@h/db", Map.of("prepare_threshold", "never")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("prepare_threshold");
  }

  @Test
  void badUrlsAreRejectedWithoutTheirPassword() {
    assertThatThrownBy(() -> PgUrls.parse("mysql://u:hunter2@h/db", Map.of()))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("not a PostgreSQL URL")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> PgUrls.parse("postgresql://u:hun ter2@h/db", Map.of()))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageNotContaining("hun ter2");
  }

  // ------------------------------------------------------------------ TLS and libpq parameters

  private static String jdbc(String url, Map<String, String> options) {
    return PgUrls.parse(url, options).jdbcUrl();
  }

  @Test
  void libpqTlsParametersReachPgjdbcUnchanged() {
    String query = "sslmode=verify-full&sslrootcert=/etc/pg/ca.pem&sslcert=/c.pem&sslkey=/k.pem";
    assertThat(jdbc("postgresql://u:p@h:5432/db?" + query, Map.of()))
        .isEqualTo("jdbc:postgresql://h:5432/db?" + query);
    assertThat(jdbc("postgresql://u:p@h/db?sslmode=disable", Map.of()))
        .isEqualTo("jdbc:postgresql://h/db?sslmode=disable");
  }

  @Test
  void tlsOptionsAreAddedToEitherKindOfUrl() {
    assertThat(jdbc("postgresql://u:p@h/db", Map.of("sslmode", "require")))
        .isEqualTo("jdbc:postgresql://h/db?sslmode=require");
    assertThat(
            jdbc(
                "jdbc:postgresql://h/db?user=u",
                Map.of("sslmode", "verify-full", "sslrootcert", "/etc/my certs/ca.pem")))
        .isEqualTo(
            "jdbc:postgresql://h/db?user=u&sslmode=verify-full&sslrootcert=/etc/my%20certs/ca.pem");
    // Options that are not connection parameters stay out of the URL.
    assertThat(jdbc("postgresql://u:p@h/db", Map.of("pool_size", "4", "sslmode", " ")))
        .isEqualTo("jdbc:postgresql://h/db");
  }

  @Test
  void anOptionThatDisagreesWithTheUrlIsAnErrorNamingBoth() {
    assertThatThrownBy(
            () ->
                PgUrls.parse("postgresql://u:p@h/db?sslmode=require", Map.of("sslmode", "disable")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("sslmode is set differently in the PostgreSQL URL and in option")
        .hasMessageContaining("FS_OPT_SSLMODE")
        .hasMessageContaining("'require' and 'disable'");
    assertThatThrownBy(
            () ->
                PgUrls.parse(
                    "postgresql://u:p@h/db?sslpassword=s3cretA", Map.of("sslpassword", "s3cretB")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("sslpassword")
        .hasMessageNotContaining("s3cret");
    // The same value in both places is no conflict.
    assertThat(jdbc("postgresql://u:p@h/db?sslmode=require", Map.of("sslmode", "require")))
        .isEqualTo("jdbc:postgresql://h/db?sslmode=require");
  }

  @Test
  void anUnknownSslmodeIsRejectedListingTheValidOnes() {
    assertThatThrownBy(() -> PgUrls.parse("postgresql://u:p@h/db?sslmode=required", Map.of()))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("sslmode 'required' is not one of")
        .hasMessageContaining("verify-full");
    assertThatThrownBy(() -> PgUrls.parse("jdbc:postgresql://h/db", Map.of("sslmode", "on")))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("sslmode 'on'");
    assertThatThrownBy(() -> PgUrls.parse("postgresql://u:p@h/db?sslmode=%zz", Map.of()))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("sslmode");
  }

  @Test
  void requireWithARootCertificateChecksTheCertificateAsLibpqDoes() {
    assertThat(jdbc("postgresql://u:p@h/db?sslmode=require&sslrootcert=/ca.pem", Map.of()))
        .isEqualTo("jdbc:postgresql://h/db?sslmode=verify-ca&sslrootcert=/ca.pem");
    assertThat(jdbc("postgresql://u:p@h/db?sslrootcert=/ca.pem", Map.of("sslmode", "require")))
        .isEqualTo("jdbc:postgresql://h/db?sslrootcert=/ca.pem&sslmode=verify-ca");
  }

  @Test
  void sslrootcertSystemTrustsTheJvmsCasWithAHostNameCheck() {
    assertThat(jdbc("postgresql://u:p@h/db?sslrootcert=system", Map.of()))
        .isEqualTo(
            "jdbc:postgresql://h/db?sslmode=verify-full"
                + "&sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory");
    assertThat(jdbc("postgresql://u:p@h/db", Map.of("sslrootcert", "system")))
        .contains("sslmode=verify-full")
        .contains("sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory")
        .doesNotContain("sslrootcert");
    assertThatThrownBy(
            () ->
                PgUrls.parse("postgresql://u:p@h/db?sslrootcert=system&sslmode=require", Map.of()))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("sslrootcert=system needs sslmode=verify-full");
  }

  @Test
  void libpqNamesPgjdbcSpellsDifferentlyAreTranslated() {
    assertThat(
            jdbc(
                "postgresql://u:p@h/db?connect_timeout=7&application_name=etl&options=-c%20x%3Dy",
                Map.of()))
        .isEqualTo(
            "jdbc:postgresql://h/db?connectTimeout=7&ApplicationName=etl&options=-c%20x%3Dy");
  }

  @Test
  void anSslPasswordOptionNeverShows() {
    PgUrls.Target t =
        PgUrls.parse(
            "postgresql://u:p@h/db", Map.of("sslkey", "/k.pem", "sslpassword", "keysecret"));
    assertThat(t.jdbcUrl()).contains("sslpassword=keysecret"); // pgjdbc needs it
    assertThat(t.toString()).doesNotContain("keysecret").contains("sslkey=/k.pem");
  }
}
