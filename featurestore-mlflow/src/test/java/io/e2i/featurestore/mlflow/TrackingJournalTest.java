package io.e2i.featurestore.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.e2i.featurestore.FeatureGroup;
import io.e2i.featurestore.FeatureStoreException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The durable queue on its own: no MLflow needed. */
class TrackingJournalTest {
  private final ObjectMapper json = new ObjectMapper();
  @TempDir Path dir;

  private static TrackingEntry entry(String group) {
    return TrackingEntry.group(FeatureGroup.builder(group).owner("o").tags("a").build());
  }

  @Test
  void entriesSurviveReopeningUntilAcknowledged() {
    try (TrackingJournal j = new TrackingJournal(dir, json)) {
      j.append(entry("g1"));
      j.append(entry("g2"));
      j.append(entry("g3"));
      j.ack(j.peek());
    }
    try (TrackingJournal j = new TrackingJournal(dir, json)) {
      assertThat(j.size()).isEqualTo(2);
      assertThat(j.peek().group().name()).isEqualTo("g2");
      assertThat(j.peek().seq()).isEqualTo(2);
      assertThat(j.peek().group().experimentName()).isEqualTo("feature_group/g2");
      assertThat(j.append(entry("g4")).seq()).isEqualTo(4);
    }
  }

  @Test
  void anEmptiedQueueDropsItsFileAndKeepsCountingFromTheLastAck() {
    try (TrackingJournal j = new TrackingJournal(dir, json)) {
      j.append(entry("g1"));
      j.append(entry("g2"));
      j.ack(j.peek());
      j.ack(j.peek());
      assertThat(Files.exists(dir.resolve("journal.jsonl"))).isFalse();
    }
    try (TrackingJournal j = new TrackingJournal(dir, json)) {
      assertThat(j.size()).isZero();
      assertThat(j.append(entry("g3")).seq()).isEqualTo(3);
    }
  }

  @Test
  void aTornLastLineFromACrashIsDroppedAndLaterAppendsStayReadable() throws Exception {
    try (TrackingJournal j = new TrackingJournal(dir, json)) {
      j.append(entry("g1"));
    }
    Files.writeString(
        dir.resolve("journal.jsonl"), "{\"seq\":2,\"op\":\"gro", StandardOpenOption.APPEND);
    try (TrackingJournal j = new TrackingJournal(dir, json)) {
      assertThat(j.size()).isEqualTo(1);
      j.append(entry("g2"));
    }
    try (TrackingJournal j = new TrackingJournal(dir, json)) {
      assertThat(j.size()).isEqualTo(2);
      j.ack(j.peek());
      assertThat(j.peek().group().name()).isEqualTo("g2");
    }
  }

  @Test
  void anUnreadableLineIsSetAsideInsteadOfBlockingStartup() throws Exception {
    try (TrackingJournal j = new TrackingJournal(dir, json)) {
      j.append(entry("g1"));
    }
    Files.writeString(dir.resolve("journal.jsonl"), "not json\n", StandardOpenOption.APPEND);
    try (TrackingJournal j = new TrackingJournal(dir, json)) {
      assertThat(j.size()).isEqualTo(1);
      assertThat(j.append(entry("g2")).seq()).isEqualTo(2);
    }
    try (TrackingJournal j = new TrackingJournal(dir, json)) {
      assertThat(j.size()).isEqualTo(2);
    }
    assertThat(Files.readAllLines(dir.resolve("failed.jsonl")))
        .singleElement()
        .asString()
        .contains("not json");
  }

  @Test
  void rejectedEntriesAreKeptAsideAndLeaveTheQueue() throws Exception {
    try (TrackingJournal j = new TrackingJournal(dir, json)) {
      j.append(entry("g1"));
      j.append(entry("g2"));
      j.reject(j.peek(), "INVALID_PARAMETER_VALUE");
      assertThat(j.peek().group().name()).isEqualTo("g2");
    }
    assertThat(Files.readString(dir.resolve("failed.jsonl"), StandardCharsets.UTF_8))
        .contains("g1")
        .contains("INVALID_PARAMETER_VALUE");
  }

  @Test
  void twoInstancesCannotShareOneQueueDirectory() {
    try (TrackingJournal j = new TrackingJournal(dir, json)) {
      assertThatThrownBy(() -> new TrackingJournal(dir, json))
          .isInstanceOf(FeatureStoreException.class)
          .hasMessageContaining("tracking_queue_dir");
    }
  }
}
