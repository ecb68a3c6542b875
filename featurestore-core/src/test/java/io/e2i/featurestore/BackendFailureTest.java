package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;

import io.e2i.featurestore.FeatureStoreException.Code;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/** Outages are 503s with a reason; everything else a backend throws is a bug with no SQL shown. */
class BackendFailureTest {
  @Test
  void aLostConnectionIsAnOutage() {
    FeatureStoreException e =
        FeatureStoreException.fromBackend(
            "offline store read",
            new IllegalStateException(
                new SQLException("An I/O error occurred while sending to the backend.", "08006")));
    assertThat(e.code()).isEqualTo(Code.UNAVAILABLE);
    assertThat(e.getMessage())
        .isEqualTo("offline store read: An I/O error occurred while sending to the backend.");
  }

  @Test
  void poolTimeoutsShutdownsAndRefusedConnectionsAreOutages() {
    assertThat(
            FeatureStoreException.fromBackend(
                    "w", new RuntimeException(new SQLTransientConnectionException("timeout")))
                .code())
        .isEqualTo(Code.UNAVAILABLE);
    assertThat(
            FeatureStoreException.fromBackend(
                    "w",
                    new RuntimeException(
                        new SQLException("terminating connection due to administrator", "57P01")))
                .code())
        .isEqualTo(Code.UNAVAILABLE);
    assertThat(
            FeatureStoreException.fromBackend(
                    "w", new UncheckedIOException(new ConnectException("Connection refused")))
                .code())
        .isEqualTo(Code.UNAVAILABLE);
  }

  @Test
  void aBugIsInternalAndItsMessageCarriesNoSql() {
    SQLException syntax =
        new SQLException(
            "Parser Error: syntax error at or near \"ELSE\" in SELECT CASE ELSE", "42601");
    FeatureStoreException e =
        FeatureStoreException.fromBackend("offline store freshness", new RuntimeException(syntax));
    assertThat(e.code()).isEqualTo(Code.INTERNAL);
    assertThat(e.code().httpStatus()).isEqualTo(500);
    assertThat(e.getMessage()).isEqualTo("offline store freshness failed");
    assertThat(e.getCause()).hasRootCause(syntax);
  }

  @Test
  void aFeatureStoreExceptionKeepsItsCode() {
    FeatureStoreException invalid = FeatureStoreException.invalid("bad");
    assertThat(FeatureStoreException.fromBackend("x", invalid)).isSameAs(invalid);
  }
}
