/**
 * What a backend implements: {@link io.e2i.featurestore.spi.Registry}, {@link
 * io.e2i.featurestore.spi.OfflineStore}, {@link io.e2i.featurestore.spi.OnlineCache} and {@link
 * io.e2i.featurestore.spi.Tracker}, found through {@link io.e2i.featurestore.spi.BackendProvider}.
 */
@NullMarked
package io.e2i.featurestore.spi;

import org.jspecify.annotations.NullMarked;
