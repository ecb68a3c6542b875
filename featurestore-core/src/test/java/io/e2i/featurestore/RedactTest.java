package io.e2i.featurestore;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Passwords in configured URLs never reach logs, health output or error messages. */
class RedactTest {
  @Test
  void userAndPassword() {
    assertThat(FeatureStoreConfig.redact("postgresql://fs:s3cret@db:5432/fs"))
        .isEqualTo("postgresql://fs:***@db:5432/fs");
  }

  @Test
  void passwordWithoutUser() {
    // Redis before ACLs: redis://:password@host
    assertThat(FeatureStoreConfig.redact("redis://:s3cret@127.0.0.1:6379"))
        .isEqualTo("redis://:***@127.0.0.1:6379");
    assertThat(FeatureStoreConfig.redact("rediss://:s3cret@cache:6380/0"))
        .isEqualTo("rediss://:***@cache:6380/0");
  }

  @Test
  void passwordParameter() {
    assertThat(
            FeatureStoreConfig.redact("jdbc:postgresql://db/fs?user=fs&password=s3cret&ssl=true"))
        .isEqualTo("jdbc:postgresql://db/fs?user=fs&password=***&ssl=true");
  }

  @Test
  void noPassword() {
    assertThat(FeatureStoreConfig.redact("redis://127.0.0.1:6379"))
        .isEqualTo("redis://127.0.0.1:6379");
  }
}
