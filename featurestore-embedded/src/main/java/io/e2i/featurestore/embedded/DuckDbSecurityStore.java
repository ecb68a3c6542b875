package io.e2i.featurestore.embedded;

import io.e2i.featurestore.ApiKey;
import io.e2i.featurestore.AuditEntry;
import io.e2i.featurestore.AuditQuery;
import io.e2i.featurestore.KeyScopes;
import io.e2i.featurestore.KeyUse;
import io.e2i.featurestore.spi.SecurityStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** API keys and the audit log in the embedded file (tables in {@link Schema}). */
final class DuckDbSecurityStore implements SecurityStore {
  private static final String KEY_COLUMNS =
      "id, name, key_hash, scopes, epoch_us(created_at), epoch_us(revoked_at),"
          + " epoch_us(last_used_at), use_count";

  private final DuckDbDatabase db;

  DuckDbSecurityStore(DuckDbDatabase db) {
    this.db = db;
  }

  @Override
  public boolean insertKey(ApiKey k) {
    return call(
        "insert API key '" + k.name() + "'",
        () ->
            db.write(
                c -> {
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "INSERT INTO api_keys (id, name, key_hash, scopes, created_at)"
                              + " SELECT ?, ?, ?, ?, make_timestamp(?) WHERE NOT EXISTS"
                              + " (SELECT 1 FROM api_keys WHERE name = ? OR id = ?)")) {
                    ps.setString(1, k.id());
                    ps.setString(2, k.name());
                    ps.setString(3, k.hash());
                    ps.setString(4, k.scopes().toJson());
                    ps.setLong(5, DuckDbDatabase.micros(k.createdAt()));
                    ps.setString(6, k.name());
                    ps.setString(7, k.id());
                    return ps.executeUpdate() == 1;
                  }
                }));
  }

  @Override
  public boolean revokeKey(String name, Instant at) {
    return call(
        "revoke API key '" + name + "'",
        () ->
            db.write(
                c -> {
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "UPDATE api_keys SET revoked_at = make_timestamp(?)"
                              + " WHERE name = ? AND revoked_at IS NULL")) {
                    ps.setLong(1, DuckDbDatabase.micros(at));
                    ps.setString(2, name);
                    return ps.executeUpdate() == 1;
                  }
                }));
  }

  @Override
  public List<ApiKey> loadKeys() {
    return call(
        "load API keys",
        () ->
            db.read(
                c -> {
                  List<ApiKey> keys = new ArrayList<>();
                  try (PreparedStatement ps =
                          c.prepareStatement(
                              "SELECT " + KEY_COLUMNS + " FROM api_keys ORDER BY name");
                      ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                      keys.add(
                          new ApiKey(
                              rs.getString(1),
                              rs.getString(2),
                              rs.getString(3),
                              KeyScopes.fromJson(rs.getString(4)),
                              Objects.requireNonNull(instant(rs, 5), "created_at"),
                              instant(rs, 6),
                              instant(rs, 7),
                              rs.getLong(8)));
                    }
                  }
                  return keys;
                }));
  }

  @Override
  public void recordKeyUse(List<KeyUse> uses) {
    call(
        "record API key use",
        () ->
            db.write(
                c -> {
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "UPDATE api_keys SET use_count = use_count + ?,"
                              + " last_used_at = greatest(coalesce(last_used_at,"
                              + " make_timestamp(?)), make_timestamp(?)) WHERE id = ?")) {
                    for (KeyUse u : uses) {
                      long last = DuckDbDatabase.micros(u.lastAt());
                      ps.setLong(1, u.requests());
                      ps.setLong(2, last);
                      ps.setLong(3, last);
                      ps.setString(4, u.keyId());
                      ps.executeUpdate();
                    }
                  }
                  return DuckDbDatabase.NO_RESULT;
                }));
  }

  @Override
  public void appendAudit(AuditEntry e) {
    call(
        "append to the audit log",
        () ->
            db.write(
                c -> {
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "INSERT INTO audit_log (logged_at, actor, action, target, detail)"
                              + " VALUES (make_timestamp(?), ?, ?, ?, ?)")) {
                    ps.setLong(1, DuckDbDatabase.micros(e.at()));
                    ps.setString(2, e.actor());
                    ps.setString(3, e.action());
                    ps.setString(4, e.target());
                    if (e.detail() == null) {
                      ps.setNull(5, Types.VARCHAR);
                    } else {
                      ps.setString(5, e.detail());
                    }
                    ps.executeUpdate();
                  }
                  return DuckDbDatabase.NO_RESULT;
                }));
  }

  @Override
  public List<AuditEntry> loadAudit(AuditQuery q) {
    StringBuilder sql =
        new StringBuilder(
            "SELECT id, epoch_us(logged_at), actor, action, target, detail FROM audit_log WHERE true");
    List<Object> params = new ArrayList<>();
    if (q.since() != null) {
      sql.append(" AND logged_at >= make_timestamp(?)");
      params.add(DuckDbDatabase.micros(q.since()));
    }
    if (q.actor() != null) {
      sql.append(" AND actor = ?");
      params.add(q.actor());
    }
    if (q.action() != null) {
      sql.append(" AND action = ?");
      params.add(q.action());
    }
    sql.append(" ORDER BY id DESC LIMIT ").append(q.limit());
    return call(
        "read the audit log",
        () ->
            db.read(
                c -> {
                  List<AuditEntry> entries = new ArrayList<>();
                  try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                    for (int i = 0; i < params.size(); i++) {
                      ps.setObject(i + 1, params.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                      while (rs.next()) {
                        entries.add(
                            new AuditEntry(
                                rs.getLong(1),
                                Objects.requireNonNull(instant(rs, 2), "at"),
                                rs.getString(3),
                                rs.getString(4),
                                rs.getString(5),
                                rs.getString(6)));
                      }
                    }
                  }
                  return entries;
                }));
  }

  private static <T> T call(String what, DuckDbDatabase.SqlCall<T> call) {
    return DuckDbDatabase.call("embedded registry: " + what, call);
  }

  private static @Nullable Instant instant(ResultSet rs, int index) throws SQLException {
    long micros = rs.getLong(index);
    return rs.wasNull() ? null : DuckDbDatabase.instant(micros);
  }
}
