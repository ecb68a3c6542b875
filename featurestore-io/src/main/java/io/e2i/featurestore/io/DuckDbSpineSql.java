package io.e2i.featurestore.io;

import io.e2i.featurestore.FeatureStoreException;
import io.e2i.featurestore.spi.PitQuery.Spine;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * DuckDB SQL fragments for reading training-data spines, shared by every store that reads spine
 * files through DuckDB (the embedded store joins them in place; PostgreSQL loads them from here),
 * so a spine file means the same rows and entities whichever store joins it.
 */
public final class DuckDbSpineSql {
  private DuckDbSpineSql() {}

  /** {@code read_parquet('…')} or {@code read_csv_auto('…')}, chosen by the file's extension. */
  public static String fileSource(Spine.File file) {
    String path = file.path().toAbsolutePath().toString().replace("'", "''");
    String name = file.path().getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".parquet") || name.endsWith(".pq")) {
      return "read_parquet('" + path + "')";
    }
    if (name.endsWith(".csv") || name.endsWith(".tsv") || name.endsWith(".csv.gz")) {
      return "read_csv_auto('" + path + "')";
    }
    throw FeatureStoreException.invalid(
        "spine file " + file.path() + " must be .csv or .parquet (by its extension)");
  }

  /**
   * The canonical entity text {@code {"k1":"v1","k2":"v2"}} of a row, keys sorted as {@code
   * EntityKey} sorts them; key names are checked names, values JSON-quoted by DuckDB.
   */
  public static String canonicalEntity(List<String> keys) {
    List<String> sorted = keys.stream().sorted().toList();
    StringBuilder sb = new StringBuilder("('{'");
    for (int i = 0; i < sorted.size(); i++) {
      String key = sorted.get(i);
      sb.append(" || '")
          .append(i == 0 ? "" : ",")
          .append('"')
          .append(key.replace("'", "''").replace("\"", "\\\""))
          .append("\":' || CAST(to_json(CAST(")
          .append(ident(key))
          .append(" AS VARCHAR)) AS VARCHAR)");
    }
    return sb.append(" || '}')").toString();
  }

  /**
   * A value DuckDB's JDBC driver returned for a spine column, as sinks expect it: whole numbers as
   * Long (or text past 64 bits), decimals as Double, dates and times as Instant (naive ones are
   * UTC).
   */
  public static @Nullable Object plainValue(Object v) {
    return switch (v) {
      case null -> null;
      case Integer i -> i.longValue();
      case Short sh -> sh.longValue();
      case Byte b -> b.longValue();
      case Float f -> f.doubleValue();
      case BigInteger big -> big.bitLength() < 64 ? (Object) big.longValue() : big.toString();
      case BigDecimal dec -> dec.doubleValue();
      case java.sql.Timestamp t -> t.toLocalDateTime().toInstant(ZoneOffset.UTC);
      case LocalDateTime t -> t.toInstant(ZoneOffset.UTC);
      case OffsetDateTime t -> t.toInstant();
      case java.sql.Date d -> d.toLocalDate().atStartOfDay().toInstant(ZoneOffset.UTC);
      case LocalDate d -> d.atStartOfDay().toInstant(ZoneOffset.UTC);
      default -> v;
    };
  }

  /** A quoted SQL identifier. */
  public static String ident(String name) {
    return '"' + name.replace("\"", "\"\"") + '"';
  }
}
