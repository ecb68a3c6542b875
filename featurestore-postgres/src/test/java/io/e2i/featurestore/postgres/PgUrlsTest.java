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
}
