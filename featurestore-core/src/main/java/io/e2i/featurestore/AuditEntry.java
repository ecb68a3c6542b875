package io.e2i.featurestore;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One line of the audit log: who did what, when.
 *
 * @param id ascending in the order entries were appended (0 for an entry not yet stored)
 * @param actor the API key's name, or {@code local} (a CLI on the store, or a server without keys)
 * @param action e.g. {@code create_feature_group}, {@code update_feature}, {@code create_api_key},
 *     {@code revoke_api_key}, {@code api_key_use}
 * @param target what the action was on: a group, {@code group:feature@version}, a key name
 * @param detail free text, e.g. the changed fields or a key's request counts
 */
public record AuditEntry(
    long id, Instant at, String actor, String action, String target, @Nullable String detail) {}
