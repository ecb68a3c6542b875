/**
 * The feature store's public API: the {@link io.e2i.featurestore.FeatureStore} facade, built by
 * {@link io.e2i.featurestore.FeatureStores}, and its immutable values. Everything else here is
 * package-private: one collaborator per path (registry, writes, reads, history, training data,
 * freshness, statistics).
 */
@NullMarked
package io.e2i.featurestore;

import org.jspecify.annotations.NullMarked;
