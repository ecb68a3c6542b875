package io.e2i.featurestore.postgres;

import io.e2i.featurestore.ApiKey;
import io.e2i.featurestore.AuditEntry;
import io.e2i.featurestore.AuditQuery;
import io.e2i.featurestore.KeyScopes;
import io.e2i.featurestore.KeyUse;
import io.e2i.featurestore.spi.SecurityStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** API keys and the audit log in {@code api_keys} and {@code audit_log} (migration V4). */
final class PgSecurityStore implements SecurityStore {
  private final PgDatabase db;

  PgSecurityStore(PgDatabase db) {
    this.db = db;
  }

  @Override
  public boolean insertKey(ApiKey k) {
    String sql =
        "INSERT INTO api_keys (id, name, key_hash, scopes, created_at)"
            + " VALUES (?, ?, ?, ?::jsonb, ?) ON CONFLICT DO NOTHING";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, k.id());
      ps.setString(2, k.name());
      ps.setString(3, k.hash());
      ps.setString(4, k.scopes().toJson());
      ps.setObject(5, PgRegistry.timestamp(k.createdAt()), Types.TIMESTAMP_WITH_TIMEZONE);
      return ps.executeUpdate() == 1;
    } catch (SQLException e) {
      throw PgDatabase.error("inserting API key '" + k.name() + "'", e);
    }
  }

  @Override
  public boolean revokeKey(String name, Instant at) {
    String sql = "UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, PgRegistry.timestamp(at), Types.TIMESTAMP_WITH_TIMEZONE);
      ps.setString(2, name);
      return ps.executeUpdate() == 1;
    } catch (SQLException e) {
      throw PgDatabase.error("revoking API key '" + name + "'", e);
    }
  }

  @Override
  public List<ApiKey> loadKeys() {
    String sql =
        "SELECT id, name, key_hash, scopes::text, created_at, revoked_at, last_used_at, use_count"
            + " FROM api_keys ORDER BY name";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      List<ApiKey> keys = new ArrayList<>();
      while (rs.next()) {
        keys.add(
            new ApiKey(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                KeyScopes.fromJson(rs.getString(4)),
                PgRegistry.requiredInstant(rs, 5),
                PgRegistry.instant(rs, 6),
                PgRegistry.instant(rs, 7),
                rs.getLong(8)));
      }
      return keys;
    } catch (SQLException e) {
      throw PgDatabase.error("loading API keys", e);
    }
  }

  @Override
  public void recordKeyUse(List<KeyUse> uses) {
    String sql =
        "UPDATE api_keys SET use_count = use_count + ?,"
            + " last_used_at = greatest(last_used_at, ?) WHERE id = ?";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (KeyUse u : uses) {
        ps.setLong(1, u.requests());
        ps.setObject(2, PgRegistry.timestamp(u.lastAt()), Types.TIMESTAMP_WITH_TIMEZONE);
        ps.setString(3, u.keyId());
        ps.addBatch();
      }
      ps.executeBatch();
    } catch (SQLException e) {
      throw PgDatabase.error("recording API key use", e);
    }
  }

  @Override
  public void appendAudit(AuditEntry e) {
    String sql =
        "INSERT INTO audit_log (logged_at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)";
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, PgRegistry.timestamp(e.at()), Types.TIMESTAMP_WITH_TIMEZONE);
      ps.setString(2, e.actor());
      ps.setString(3, e.action());
      ps.setString(4, e.target());
      ps.setString(5, e.detail());
      ps.executeUpdate();
    } catch (SQLException ex) {
      throw PgDatabase.error("appending to the audit log", ex);
    }
  }

  @Override
  public List<AuditEntry> loadAudit(AuditQuery q) {
    StringBuilder sql =
        new StringBuilder(
            "SELECT id, logged_at, actor, action, target, detail FROM audit_log WHERE true");
    List<Object> params = new ArrayList<>();
    if (q.since() != null) {
      sql.append(" AND logged_at >= ?");
      params.add(PgRegistry.timestamp(q.since()));
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
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < params.size(); i++) {
        ps.setObject(i + 1, params.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        List<AuditEntry> entries = new ArrayList<>();
        while (rs.next()) {
          entries.add(
              new AuditEntry(
                  rs.getLong(1),
                  PgRegistry.requiredInstant(rs, 2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6)));
        }
        return entries;
      }
    } catch (SQLException e) {
      throw PgDatabase.error("reading the audit log", e);
    }
  }
}
