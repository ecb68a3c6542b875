package io.e2i.featurestore.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.e2i.featurestore.FeatureStoreConfig;
import io.e2i.featurestore.FeatureStoreException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a Redis Cluster URL is read, without a cluster. */
class RedisClusterUrlTest {

  @Test
  void theNodesAreSeedsAndShareThePasswordAndScheme() {
    RedisSettings s =
        RedisSettings.of("rediss-cluster://:s3cret@h1:7000,h2:7001", FeatureStoreConfig.defaults());
    assertThat(s.cluster()).isTrue();
    assertThat(s.clusterNodes()).hasSize(2);
    assertThat(s.clusterNodes().get(1).getHost()).isEqualTo("h2");
    assertThat(s.clusterNodes().get(1).getPort()).isEqualTo(7001);
    assertThat(s.clusterNodes().get(1).isSsl()).isTrue();
    assertThat(s.displayUrl()).doesNotContain("s3cret");
    assertThat(s.waitReplicas()).isEqualTo(1);
    assertThat(RedisSettings.of("redis://h:6379", FeatureStoreConfig.defaults()).waitReplicas())
        .isZero();
    assertThat(new RedisBackendProvider().supportsOnline("redis-cluster://h1:7000")).isTrue();
  }

  @Test
  void anEmptyHostADatabaseOrANegativeWaitAreRefused() {
    FeatureStoreConfig config = FeatureStoreConfig.defaults();
    assertThatThrownBy(() -> RedisSettings.of("redis-cluster://h1:7000,,h2:7001", config))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("an empty host");
    assertThatThrownBy(() -> RedisSettings.of("redis-cluster://h1:7000/2", config))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("no database number");
    assertThat(RedisSettings.of("redis-cluster://h1:7000", config.withNearCache(true)).nearCache())
        .as("the near cache works on a cluster too")
        .isTrue();
    assertThatThrownBy(
            () ->
                RedisSettings.of(
                    "redis-cluster://h1:7000",
                    new FeatureStoreConfig(
                        null, null, null, null, false, Map.of("redis_wait_replicas", "-1"))))
        .isInstanceOf(FeatureStoreException.class)
        .hasMessageContaining("redis_wait_replicas");
  }
}
