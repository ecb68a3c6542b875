/**
 * The HTTP feature server as a library: {@link io.e2i.featurestore.server.FeatureServer#start}
 * serves one {@link io.e2i.featurestore.FeatureStore}.
 */
@NullMarked
package io.e2i.featurestore.server;

import org.jspecify.annotations.NullMarked;
