/**
 * The Redis online cache (Lettuce), with generations for read-your-writes and an optional near
 * cache.
 */
@NullMarked
package io.e2i.featurestore.redis;

import org.jspecify.annotations.NullMarked;
