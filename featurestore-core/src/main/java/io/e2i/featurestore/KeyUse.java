package io.e2i.featurestore;

import java.time.Instant;

/**
 * How much one key was used since the last flush: its requests are counted in memory and written to
 * the registry periodically, so that checking a key never waits for a database.
 *
 * @param requests requests accepted with the key
 * @param denied of those, how many were refused for lack of scope (403)
 */
public record KeyUse(
    String keyId, String keyName, long requests, long denied, Instant firstAt, Instant lastAt) {}
