package io.e2i.featurestore.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.e2i.featurestore.Feature;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStore;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /api/v1/search?q=&limit=}: feature groups and features ranked against the words of
 * {@code q} (the UI's search-as-you-type). Every word must match some field; a match scores by
 * where it is found and how well: the name (whole, a '_'-separated part, a prefix, anywhere) above
 * tags and owner, above the group's name, above the description. Groups and features the caller's
 * key cannot read are never seen (the store is the guarded one).
 */
final class SearchApi {
  static final String PATH = "/api/v1/search";
  static final int MAX_QUERY = 200;
  static final int DEFAULT_LIMIT = 20;
  static final int MAX_LIMIT = 100;
  private static final java.util.regex.Pattern PARTS =
      java.util.regex.Pattern.compile("[^\\p{L}\\p{N}]+");

  private final FeatureStore store;

  SearchApi(FeatureStore store) {
    this.store = store;
  }

  List<Endpoint> endpoints() {
    return List.of(
        new Endpoint(
            "GET",
            PATH,
            "search",
            "Feature groups and features whose name, tags, owner or description match every word"
                + " of q, best first",
            null,
            200,
            "SearchResults",
            List.of(400),
            this::search));
  }

  private Object search(Context ctx) {
    String q = ctx.queryParam("q");
    // Characters as JSON Schema counts them (code points), so the schema's bounds are the server's.
    if (q == null || q.isEmpty() || q.codePointCount(0, q.length()) > MAX_QUERY) {
      throw ApiException.badRequest(
          "query parameter 'q' must hold 1 to " + MAX_QUERY + " characters of search words");
    }
    int limit = QueryNumbers.between("limit", ctx.queryParam("limit"), 1, MAX_LIMIT, DEFAULT_LIMIT);
    List<String> words = words(q);
    // Only punctuation or spaces: nothing to look for, nothing found.
    List<Hit> hits = words.isEmpty() ? List.of() : rank(words);
    List<Map<String, Object>> results = new ArrayList<>();
    for (Hit h : hits.subList(0, Math.min(limit, hits.size()))) {
      results.add(h.toMap());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("query", q);
    out.put("total", hits.size());
    out.put("results", results);
    return out;
  }

  static List<String> words(String q) {
    List<String> words = new ArrayList<>();
    for (String w : q.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}_-]+")) {
      if (!w.isEmpty() && !words.contains(w)) {
        words.add(w);
      }
    }
    return words;
  }

  List<Hit> rank(List<String> words) {
    List<Hit> hits = new ArrayList<>();
    for (FeatureGroup g : store.listFeatureGroups()) {
      int s = fields(g).score(words);
      if (s > 0) {
        hits.add(new Hit(s, g, null));
      }
      for (Feature f : store.listFeatures(g.name())) {
        int fs = fields(f).score(words);
        if (fs > 0) {
          hits.add(new Hit(fs, g, f));
        }
      }
    }
    hits.sort(
        Comparator.comparingInt(Hit::score)
            .reversed()
            .thenComparing(h -> h.feature() == null ? 0 : 1)
            .thenComparing(Hit::sortName));
    return hits;
  }

  /**
   * The searchable fields of a registry entry, lower-cased and split once per entry: a registry
   * snapshot keeps its group and feature objects until something changes, so the cache (by
   * identity: weak keys) holds each entry's fields for as long as the entry is current. Splitting
   * every name, tag and description on every request cost 150-600 ms with 21,000 entries.
   */
  private Fields fields(FeatureGroup g) {
    return fieldsCache.get(
        g, k -> new Fields(g.name(), g.tags(), g.owner(), null, g.description()));
  }

  private Fields fields(Feature f) {
    return fieldsCache.get(
        f, k -> new Fields(f.name(), f.tags(), f.owner(), f.featureGroup(), f.description()));
  }

  private final Cache<Object, Fields> fieldsCache = Caffeine.newBuilder().weakKeys().build();

  /** One entry's searchable text, prepared: lower case, name-like fields split into parts. */
  static final class Fields {
    private final Name name;
    private final List<Name> tags;
    private final Name owner;
    private final Name group;
    private final String description;
    private final String[] descriptionWords;

    Fields(
        String name,
        List<String> tags,
        @Nullable String owner,
        @Nullable String group,
        @Nullable String description) {
      this.name = new Name(name);
      this.tags = tags.stream().map(Name::new).toList();
      this.owner = new Name(owner == null ? "" : owner);
      this.group = new Name(group == null ? "" : group);
      this.description = description == null ? "" : description.toLowerCase(Locale.ROOT);
      this.descriptionWords =
          this.description.isEmpty() ? new String[0] : this.description.split("[^\\p{L}\\p{N}_]+");
    }

    int score(List<String> words) {
      int total = 0;
      for (String w : words) {
        int best = name.score(w, 100);
        for (Name t : tags) {
          best = Math.max(best, t.score(w, 40));
        }
        best = Math.max(best, owner.score(w, 35));
        best = Math.max(best, group.score(w, 25));
        best = Math.max(best, wordsScore(w, 15));
        if (best == 0) {
          return 0;
        }
        total += best;
      }
      return total;
    }

    /** Prose: a word of it equal to (full) or starting with (.6) the search word. */
    private int wordsScore(String w, int full) {
      if (description.isEmpty() || !description.contains(w)) {
        return 0;
      }
      int best = 0;
      for (String word : descriptionWords) {
        if (word.equals(w)) {
          return full;
        }
        if (word.startsWith(w)) {
          best = full * 6 / 10;
        }
      }
      return best;
    }
  }

  /** A name, tag or owner in lower case with its parts between '_', '-' or '.'. */
  private static final class Name {
    private final String text;
    private final String[] parts;

    Name(String text) {
      this.text = text.toLowerCase(Locale.ROOT);
      this.parts = this.text.isEmpty() ? new String[0] : PARTS.split(this.text);
    }

    /**
     * Whole (full), a part (.7), a prefix (.6), a part's prefix (.5), inside (.3); 0 when the word
     * is not in it.
     */
    int score(String w, int full) {
      if (text.isEmpty()) {
        return 0;
      }
      if (text.equals(w)) {
        return full;
      }
      int best = 0;
      if (text.startsWith(w)) {
        best = full * 6 / 10;
      }
      for (String part : parts) {
        if (part.equals(w)) {
          best = Math.max(best, full * 7 / 10);
        } else if (part.startsWith(w)) {
          best = Math.max(best, full / 2);
        }
      }
      if (best == 0 && w.length() >= 2 && text.contains(w)) {
        best = full * 3 / 10;
      }
      return best;
    }
  }

  record Hit(int score, FeatureGroup group, @Nullable Feature feature) {
    String sortName() {
      return feature == null ? group.name() : group.name() + ":" + feature.name();
    }

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      Feature f = feature;
      m.put("kind", f == null ? "group" : "feature");
      m.put("group", group.name());
      m.put("name", f == null ? group.name() : f.name());
      m.put("version", f == null ? null : f.version());
      m.put("value_type", f == null ? null : f.valueType().wireName());
      m.put("description", f == null ? group.description() : f.description());
      m.put("owner", f == null ? group.owner() : f.owner());
      m.put("tags", f == null ? group.tags() : f.tags());
      m.put("score", score);
      return m;
    }
  }
}
